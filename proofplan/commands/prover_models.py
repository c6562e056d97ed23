"""CLI commands of the prover's learned models: ``train generator``, ``train progress``,
``eval generator`` and ``eval progress`` (datasets in the LeanDojo Benchmark 4 layout)."""

from pathlib import Path

import typer

from common.errors import ProofplanError
from proofplan.apps import eval_app, train_app
from proofplan.output import JSON_HELP
from prover.search import defaults as search_defaults

SPLIT_HELP = "Dataset split: random or novel_premises."


def _check_split(split: str) -> None:
    if split not in ("random", "novel_premises"):
        raise ProofplanError(f"unknown split {split!r}; expected random or novel_premises")


def _check_part(part: str) -> None:
    if part not in ("train", "val", "test"):
        raise ProofplanError(f"unknown part {part!r}; expected train, val or test")


def _check_dataset(data: Path) -> None:
    if not data.is_dir():
        raise ProofplanError(f"dataset folder {data} does not exist")


ENCODER_HELP = ("k-NN state encoder: tfidf (sparse TF-IDF fitted on the training states, exact cosine), "
                "lsa (the same reduced by SVD, in FAISS) or minilm.")


PROGRESS_ENCODER_HELP = "State encoder: lsa (TF-IDF + SVD fitted on the training states; fast) or minilm."


def _finite(value: float) -> float | None:
    """JSON has no infinity: a loss never measured (inf) or NaN becomes null."""
    import math

    return value if math.isfinite(value) else None


def _encoder(kind: str, cache: Path | None):
    """``kind`` for an encoder fitted on the training states (tfidf, lsa), or the cached MiniLM encoder."""
    if kind in ("tfidf", "lsa"):
        return kind
    if kind != "minilm":
        raise ProofplanError(f"unknown encoder {kind!r}; expected tfidf, lsa or minilm")
    from prover.models.generators.embedding_cache import CachedEncoder
    from retrieval.encoder import SentenceTransformerEncoder

    return CachedEncoder(SentenceTransformerEncoder(None), cache)


@train_app.command("generator")
def train_generator(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help=SPLIT_HELP),
    out: Path = typer.Option(Path("data/generated/generator"), help="Checkpoints and best model."),
    export: Path = typer.Option(None, help="Where the float16 model, k-NN index and card go (default: OUT/export)."),
    max_steps: int = typer.Option(600, min=1),
    max_minutes: float = typer.Option(15.0, min=0.1, help="Stop (and checkpoint) after this long."),
    batch_size: int = typer.Option(16, min=1),
    learning_rate: float = typer.Option(2e-3, min=0.0),
    eval_every: int = typer.Option(60, min=1, help="Validate (and checkpoint) every N steps."),
    patience: int = typer.Option(4, min=1, help="Early stopping: evaluations without a better val loss."),
    d_model: int = typer.Option(128, min=8),
    layers: int = typer.Option(2, min=1, help="Encoder and decoder layers each."),
    max_input_bytes: int = typer.Option(256, min=64),
    max_tactic_bytes: int = typer.Option(128, min=8, help="Longer human tactics are left out of training."),
    val_eval: int = typer.Option(200, min=0, help="Validation tactics for the model card's top-k figures."),
    resume: bool = typer.Option(True, help="Continue from OUT/checkpoint when it exists."),
    encoder: str = typer.Option("tfidf", help=ENCODER_HELP),
    threads: int = typer.Option(1, min=0, help="CPU threads for torch (0: torch's default); 1 is fastest on a busy machine."),
    warmup_steps: int = typer.Option(30, min=0),
    seed: int = typer.Option(0),
    knn_only: bool = typer.Option(False, "--knn-only", help="Only build the k-NN index (EXPORT/knn), no seq2seq training."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train the byte-level T5 tactic generator (GPU when torch sees one, else CPU) and build
    the k-NN index; export both with a model card."""
    from dataclasses import replace

    from proofplan.output import console as make_console
    from proofplan.output import echo_json
    from prover.models.generators.byt5 import ByT5Settings, ByT5Size
    from prover.models.generators.pipeline import build_generator
    from prover.models.generators.training import TrainConfig

    _check_dataset(data)
    _check_split(split)
    export = export or out / "export"
    if knn_only:
        from prover.models.generators.pipeline import build_knn_only

        states, knn_encoder, val = build_knn_only(data, split, export, encoder=_encoder(encoder, out / "embeddings.npz"),
                                                  val_eval_examples=val_eval)
        console = make_console(as_json)
        console.print(f"k-NN index over {states} training states ({knn_encoder}) in {export / 'knn'}")
        console.print(f"val {val.name}: top-1 {val.top1:.3f}  top-8 {val.topk:.3f}  ({val.examples} tactics)")
        if as_json:
            echo_json({"command": "train generator", "dataset": data, "split": split, "export": export,
                       "knn_states": states, "knn_encoder": knn_encoder, "validation": [val]})
        return
    size = replace(ByT5Size(), d_model=d_model, d_ff=4 * d_model, num_layers=layers, num_decoder_layers=layers,
                   num_heads=max(1, d_model // 32), d_kv=min(32, d_model))
    config = TrainConfig(
        out_dir=out, batch_size=batch_size, learning_rate=learning_rate, max_steps=max_steps,
        max_minutes=max_minutes, eval_every=eval_every, patience=patience, seed=seed, size=size,
        settings=ByT5Settings(max_input_bytes=max_input_bytes, max_tactic_bytes=max_tactic_bytes,
                              max_premise_bytes=min(96, max_input_bytes // 3)),
        warmup_steps=min(warmup_steps, max_steps // 10 + 1), threads=threads or None,
    )
    build = build_generator(data, split, config, export, encoder=_encoder(encoder, out / "embeddings.npz"), resume=resume,
                            val_eval_examples=val_eval)
    r = build.report
    console = make_console(as_json)
    console.print(f"trained {r.steps} steps in {r.seconds / 60:.1f} min on {r.device} ({r.stopped}); "
                  f"best val loss {r.best_val_loss:.4f} at step {r.best_step}")
    for res in (build.val_byt5, build.val_knn):
        console.print(f"val {res.name}: top-1 {res.top1:.3f}  top-8 {res.topk:.3f}  ({res.examples} tactics)")
    console.print(f"exported to {export}")
    if as_json:
        echo_json({
            "command": "train generator", "dataset": data, "split": split, "output": out, "export": export,
            "steps": r.steps, "seconds": r.seconds, "stopped": r.stopped, "device": r.device,
            "best_val_loss": _finite(r.best_val_loss), "best_step": r.best_step,
            "train_examples": r.train_examples, "val_examples": r.val_examples, "parameters": r.parameters,
            "knn_states": build.knn_states, "knn_encoder": build.knn_encoder,
            "validation": [build.val_byt5, build.val_knn],
        })


@train_app.command("progress")
def train_progress_cmd(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help=SPLIT_HELP),
    out: Path = typer.Option(Path("data/generated/progress"), help="Where the model and its card go."),
    epochs: int = typer.Option(80, min=1),
    encoder: str = typer.Option("lsa", help=PROGRESS_ENCODER_HELP),
    cache: Path = typer.Option(Path("data/generated/embeddings.npz"), help="MiniLM embedding cache file."),
    threads: int = typer.Option(1, min=0, help="CPU threads for torch (0: torch's default)."),
    seed: int = typer.Option(0),
    rank_weight: float = typer.Option(
        search_defaults.PROGRESS_RANK_WEIGHT, min=0.0, help="Weight of the ranking loss on states of one proof (0: cross-entropy only)."
    ),
    search_pairs: list[Path] | None = typer.Option(
        None, help="Pairs file of `proofplan data search-pairs` (repeatable): adds the sibling loss."),
    pair_weight: float = typer.Option(
        search_defaults.PROGRESS_PAIR_WEIGHT, min=0.0, help="Weight of the sibling loss on --search-pairs."),
    context: str = typer.Option(
        ",".join(search_defaults.PROGRESS_CONTEXT),
        help="Context inputs beside the state, comma-separated: depth, delta (what the last tactic changed), "
             "heads (tactic heads of the proof so far); 'none': the state alone."),
    value_weight: float = typer.Option(
        search_defaults.PROGRESS_VALUE_WEIGHT, min=0.0,
        help="Weight of the value head (log remaining steps, the point estimate; ranking losses act on it); 0: none."),
    rebalance: bool = typer.Option(
        search_defaults.PROGRESS_REBALANCE, help="Downsample proof-length groups to the median group size (LeanProgress)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Train the progress predictor (remaining steps) on rebalanced proof lengths."""
    import torch

    from proofplan.output import console as make_console
    from proofplan.output import echo_json
    from prover.models.progress_training import build_progress

    if threads:
        torch.set_num_threads(threads)

    _check_dataset(data)
    _check_split(split)
    groups = _context_groups(context)
    if encoder not in ("lsa", "minilm"):
        raise ProofplanError(f"unknown encoder {encoder!r}; expected lsa or minilm")
    _, build = build_progress(data, split, out, encoder=None if encoder == "lsa" else _encoder(encoder, cache),
                              epochs=epochs, seed=seed,
                              rank_weight=rank_weight, search_pairs=search_pairs or (), pair_weight=pair_weight,
                              context_groups=groups, value_weight=value_weight, balance=rebalance)
    console = make_console(as_json)
    r = build.report
    console.print(f"trained on {r.rebalanced_states} rebalanced of {r.train_states} states, "
                  f"{r.epochs} epochs in {r.seconds:.0f} s")
    _print_progress_table(console, "validation", [build.val_model, build.val_baseline])
    if r.pair_weight > 0:
        console.print(f"sibling pairs from search trees: {r.search_pairs} trained on, {r.search_pairs_val} held out; "
                      f"held-out pairs ordered right: {build.val_sibling_accuracy:.3f}", highlight=False)
    console.print(f"saved to {out}")
    if as_json:
        echo_json({
            "command": "train progress", "dataset": data, "split": split, "output": out, "encoder": build.encoder,
            "epochs": r.epochs, "best_epoch": r.best_epoch, "best_val_loss": _finite(r.best_val_loss),
            "seconds": r.seconds, "encode_seconds": r.encode_seconds, "train_states": r.train_states,
            "rebalanced_states": r.rebalanced_states, "val_states": r.val_states,
            "rank_weight": r.rank_weight, "train_pairs": r.train_pairs, "point_estimate": build.point_estimate,
            "pair_weight": r.pair_weight, "search_pairs": r.search_pairs, "search_pairs_val": r.search_pairs_val,
            "val_sibling_accuracy": _finite(build.val_sibling_accuracy),
            "context": list(r.context_groups), "value_weight": r.value_weight,
            "validation": [build.val_model, build.val_baseline],
        })


def _context_groups(text: str) -> tuple[str, ...]:
    from prover.models.progress_context import CONTEXT_GROUPS

    if text.strip().lower() == "none":
        return ()
    groups = tuple(g.strip() for g in text.split(",") if g.strip())
    unknown = [g for g in groups if g not in CONTEXT_GROUPS]
    if unknown:
        raise ProofplanError(f"unknown --context group(s) {', '.join(unknown)} "
                             f"(known: {', '.join(CONTEXT_GROUPS)}, or none)")
    return groups


def _print_progress_table(console, title: str, metrics) -> None:
    from rich.table import Table

    table = Table(title=f"progress ({title}; bins 1, 2, 3-4, 5-8, 9-16, >16)",
                  caption="order acc: share of pairs of states of one proof put in the right order")
    for col in ("predictor", "states", "exact-bin acc", "within +-1", "MAE", "order acc"):
        table.add_column(col, justify="right" if col != "predictor" else "left")
    for m in metrics:
        table.add_row(m.name, str(m.examples), f"{m.bin_accuracy:.3f}", f"{m.within_one:.3f}", f"{m.mae:.2f}",
                      f"{m.order_accuracy:.3f}")
    console.print(table)


@eval_app.command("generator")
def eval_generator(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help=SPLIT_HELP),
    part: str = typer.Option("test", help="train, val or test."),
    model: Path = typer.Option(None, help="Generator folder (default: the shipped data/models/generator)."),
    k: int = typer.Option(8, min=1, help="Beams / candidates per goal."),
    limit: int = typer.Option(0, min=0, help="Evaluate only the first N tactics (0: all)."),
    premises: bool = typer.Option(True, help="Give the generator the gold premises."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Top-1 and top-k exact match of the seq2seq, k-NN and mixed generators."""
    from rich.table import Table

    from proofplan.output import console, echo_json
    from prover.models.generators import default_generator_dir, load_generator
    from prover.models.generators.evaluation import evaluate_topk
    from prover.models.generators.pipeline import load_examples

    _check_dataset(data)
    _check_split(split)
    _check_part(part)
    folder = model or default_generator_dir()
    examples = load_examples(data, split, part)
    if limit:
        examples = examples[:limit]
    table = Table(title=f"tactic generators on {data} {split}/{part} ({len(examples)} tactics)")
    for col in ("generator", "top-1", f"top-{k}", "s/goal"):
        table.add_column(col, justify="left" if col == "generator" else "right")
    byt5, knn = load_generator("byt5", folder), load_generator("knn", folder)
    from prover.models.generators.combined import MixtureGenerator

    results = []
    for name, gen in (("byt5", byt5), ("knn", knn), ("byt5+knn", MixtureGenerator([byt5, knn]))):
        res = evaluate_topk(name, gen, examples, k=k, use_premises=premises)
        results.append(res)
        table.add_row(name, f"{res.top1:.3f}", f"{res.topk:.3f}", f"{res.seconds_per_goal:.3f}")
    console(as_json).print(table)
    if as_json:
        echo_json({"command": "eval generator", "dataset": data, "split": split, "part": part, "model": folder,
                   "k": k, "premises": premises, "tactics": len(examples), "results": results})


@eval_app.command("progress")
def eval_progress(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help=SPLIT_HELP),
    part: str = typer.Option("test", help="train, val or test."),
    model: Path = typer.Option(None, help="Progress model folder (default: data/models/progress)."),
    search_pairs: list[Path] | None = typer.Option(
        None, help="Pairs files of `proofplan data search-pairs`: also score their held-out sibling pairs."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Exact-bin accuracy, accuracy within +-1 step and MAE, beside the training-median baseline."""
    from common.paths import data_dir
    from proofplan.output import console, echo_json
    from prover.models.progress import ProgressPredictor
    from prover.models.progress_training import evaluate_progress, load_progress_examples

    _check_dataset(data)
    _check_split(split)
    _check_part(part)
    folder = model or data_dir() / "models" / "progress"
    predictor = ProgressPredictor.load(folder)
    examples = load_progress_examples(data, split, part)
    metrics = evaluate_progress(predictor, examples)
    out = console(as_json)
    _print_progress_table(out, f"{split}/{part}", metrics)
    siblings: dict[str, object] = {}
    if search_pairs:
        from prover.models.progress_training import evaluate_siblings
        from prover.search.pairs import load_pairs

        _, held_out = load_pairs(search_pairs)
        accuracy = evaluate_siblings(predictor, held_out)
        siblings = {"sibling_pairs": len(held_out), "sibling_accuracy": _finite(accuracy)}
        out.print(f"held-out sibling pairs of proved search trees: {len(held_out)}; proof-path state given fewer "
                  f"steps than its sibling: {accuracy:.3f} (ties count one half)", highlight=False)
        from prover.models.progress_frontier import frontier_scores
        from prover.search.pairs import read_tree_records

        records = [r for f in search_pairs for r in read_tree_records(f)]
        frontier = frontier_scores(predictor, records)
        siblings["frontier"] = [{"relation": f.relation, "pairs": f.pairs, "accuracy": _finite(f.accuracy)}
                                for f in frontier]
        out.print("proof-path state given fewer steps than an off-path state of its tree (all trees): "
                  + "; ".join(f"{f.relation} {f.accuracy:.3f} ({f.pairs} pairs)" for f in frontier), highlight=False)
    if as_json:
        echo_json({"command": "eval progress", "dataset": data, "split": split, "part": part, "model": folder,
                   "states": len(examples), "results": metrics, **siblings})
