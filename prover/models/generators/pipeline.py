"""From a dataset folder to shipped generator files: examples, training, export, model card."""

from __future__ import annotations

import datetime as dt
import json
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

from prover.models.generators.byt5 import ByT5Generator
from prover.models.generators.evaluation import TopKResult, evaluate_topk
from prover.models.generators.knn import KnnGenerator, KnnSettings
from prover.models.generators.training import (
    GeneratorExample,
    GeneratorTrainer,
    TrainConfig,
    TrainReport,
    examples_from_theorems,
    premise_texts,
)


def load_examples(
    dataset_dir: Path, split: str, part: str, *, max_tactic_bytes: int | None = None
) -> list[GeneratorExample]:
    """Generator examples of ``<dataset_dir>/<split>/<part>.json`` with corpus premise texts."""
    from prover.data.dataset import load_corpus, load_split

    theorems = load_split(dataset_dir, split, part)
    corpus_path = Path(dataset_dir) / "corpus.jsonl"
    lookup = premise_texts(load_corpus(dataset_dir)) if corpus_path.is_file() else {}
    return examples_from_theorems(theorems, lookup, max_tactic_bytes=max_tactic_bytes)


PROVENANCE_FILE = "provenance.json"


def write_provenance(folder: Path, dataset_dir: Path, split: str, **extra: object) -> None:
    """Record which dataset split a model was trained on (evaluations check it: a model trained
    on one split's train part must not be scored on another split's test part)."""
    record = {"dataset": str(dataset_dir), "dataset_name": Path(dataset_dir).name, "split": split, **extra}
    (Path(folder) / PROVENANCE_FILE).write_text(json.dumps(record, indent=1) + "\n")


def read_provenance(folder: Path) -> dict | None:
    path = Path(folder) / PROVENANCE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def hardware() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    import os

    load = os.getloadavg()[1] if hasattr(os, "getloadavg") else float("nan")
    return (f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s) of "
            f"{os.cpu_count()} cores shared with other jobs; 5-min load average {load:.1f} at the end)")


@dataclass(frozen=True)
class GeneratorBuild:
    """What :func:`build_generator` made."""

    report: TrainReport
    knn_states: int
    knn_encoder: str
    val_byt5: TopKResult
    val_knn: TopKResult
    knn_settings: KnnSettings = KnnSettings()


def build_generator(
    dataset_dir: Path,
    split: str,
    config: TrainConfig,
    export_dir: Path,
    *,
    encoder="tfidf",
    resume: bool = True,
    progress: bool = True,
    val_eval_examples: int = 200,
) -> GeneratorBuild:
    """Train the seq2seq model (resumable), export it in float16 with a k-NN index over the
    training states, and write ``MODEL_CARD.md`` with validation metrics."""
    s = config.settings
    train = load_examples(dataset_dir, split, "train", max_tactic_bytes=s.max_tactic_bytes)
    val = load_examples(dataset_dir, split, "val")
    trainer = GeneratorTrainer(train, val, config)
    report = trainer.train(resume=resume, progress=progress)

    best = trainer.best_generator()
    export_dir = Path(export_dir)
    best.save(export_dir, float16=True)
    model = ByT5Generator.load(export_dir)

    knn, knn_states = build_knn_index(dataset_dir, split, export_dir / "knn", encoder=encoder)

    val_subset = val[:val_eval_examples]
    val_byt5 = evaluate_topk("byt5", model, val_subset, k=8)
    val_knn = evaluate_topk("knn", knn, val_subset, k=8)
    build = GeneratorBuild(report, knn_states, knn.encoder.name, val_byt5, val_knn, knn.settings)
    write_generator_card(export_dir, dataset_dir, split, config, build)
    write_provenance(export_dir, dataset_dir, split, train_examples=report.train_examples)
    return build


def build_knn_index(
    dataset_dir: Path, split: str, folder: Path, *, encoder="tfidf"
) -> tuple[KnnGenerator, int]:
    """Index every (state, tactic) of ``split``'s train part and save it to ``folder``; returns
    the generator and the count. ``encoder``: an encoder, or the name of an in-domain one to fit
    on those states (``"tfidf"``, ``"lsa"``)."""
    all_train = load_examples(dataset_dir, split, "train")
    if isinstance(encoder, str):
        from prover.models.generators.state_encoder import IN_DOMAIN_ENCODERS

        encoder = IN_DOMAIN_ENCODERS[encoder].fit([e.state for e in all_train])
    knn = KnnGenerator.build(encoder, [e.state for e in all_train], [e.tactic for e in all_train])
    knn.save(Path(folder))
    return knn, len(all_train)


def build_knn_only(
    dataset_dir: Path, split: str, export_dir: Path, *, encoder="tfidf", val_eval_examples: int = 200
) -> tuple[int, str, TopKResult]:
    """The k-NN generator alone (no seq2seq training): ``export_dir/knn`` plus its provenance and
    validation top-k. ``load_generator("knn", export_dir)`` reads it."""
    export_dir = Path(export_dir)
    knn, states = build_knn_index(dataset_dir, split, export_dir / "knn", encoder=encoder)
    val = load_examples(dataset_dir, split, "val")[:val_eval_examples]
    result = evaluate_topk("knn", knn, val, k=8)
    write_provenance(export_dir / "knn", dataset_dir, split, train_examples=states)
    return states, knn.encoder.name, result


def write_generator_card(
    folder: Path, dataset_dir: Path, split: str, config: TrainConfig, build: GeneratorBuild
) -> None:
    r = build.report
    size_mb = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1e6
    history = "\n".join(
        f"| {h['step']} | {h['train_loss']:.3f} | {h['val_loss']:.3f} | {h['seconds']:.0f} |" for h in r.history
    )
    card = f"""# Default tactic generator

Written by `proofplan train generator` on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC.

## Seq2seq model (this folder)
- Architecture: byte-level T5 (ByT5-style, vocabulary `len(ByT5Tokenizer())` = 384), trained
  from scratch: {json.dumps(asdict(config.size))}; {r.parameters:,} parameters; weights stored
  in float16 safetensors.
- Input: gold premises of the traced tactic (corpus statements, `[P] ` lines, each cut to
  {config.settings.max_premise_bytes} bytes) followed by the goal state (`[G] `), at most
  {config.settings.max_input_bytes} bytes; the goal is never cut. Output: the tactic (at most
  {config.settings.max_tactic_bytes} bytes; longer human tactics were left out of training;
  beam search stops at {config.settings.max_decode_bytes} bytes).
- Data: `{dataset_dir}` split `{split}`, part `train` ({r.train_examples} examples);
  validation loss on {r.val_examples} examples of part `val`.
- Training: AdamW lr {config.learning_rate}, batch {config.batch_size}, linear warm-up
  {config.warmup_steps} steps then linear decay over {config.max_steps} steps, time limit
  {config.max_minutes} min, early stopping after {config.patience} evaluations without gain.
  Ran {r.steps} steps in {r.seconds / 60:.1f} min on {hardware()} (device `{r.device}`);
  stopped: {r.stopped}. Best validation loss {r.best_val_loss:.4f} (per byte) at step {r.best_step}.

| step | train loss (EMA) | val loss | seconds |
|---:|---:|---:|---:|
{history}

## k-NN generator (`knn/`)
- Exact cosine index over the {build.knn_states} training states, encoded with
  `{build.knn_encoder}` (`tfidf-*`: sparse TF-IDF of goal/hypothesis tokens and goal bigrams,
  fitted on those states, prover.models.generators.sparse_index; `lsa-*`: the same reduced by
  truncated SVD in a FAISS flat index; `knn/encoder/`); a query's {build.knn_settings.neighbours}
  nearest neighbours vote for their tactics with weight exp(cosine / {build.knn_settings.temperature:g});
  score = log of the tactic's share.

## Validation metrics (part `val`, first {build.val_byt5.examples} tactics, gold premises, 8 beams)
| generator | top-1 exact match | top-8 exact match | seconds per goal (batches of 16) |
|---|---:|---:|---:|
| seq2seq (byt5) | {build.val_byt5.top1:.3f} | {build.val_byt5.topk:.3f} | {build.val_byt5.seconds_per_goal:.3f} |
| k-NN | {build.val_knn.top1:.3f} | {build.val_knn.topk:.3f} | {build.val_knn.seconds_per_goal:.3f} |

Files: {size_mb:.1f} MB in total. Test-split figures: `benchmarks/bench_generators.py`.
"""
    (Path(folder) / "MODEL_CARD.md").write_text(card)
