"""CLI commands: retrieval (``train retriever``, ``index premises``, ``eval retrieval``)."""

from __future__ import annotations

from pathlib import Path

import typer

from common.errors import ProofplanError
from proofplan.apps import eval_app, index_app, train_app
from proofplan.output import JSON_HELP, console, echo_json

SPLITS = ("random", "novel_premises")
MODEL_HELP = (
    "Premise encoder folder, or 'untuned' (default: the shipped model, data/models/retriever; "
    "for novel_premises its novel_premises/ subfolder)."
)


def _check(data: Path, split: str | None = None) -> None:
    if not data.is_dir():
        raise ProofplanError(f"dataset folder {data} does not exist")
    if not (data / "corpus.jsonl").is_file():
        raise ProofplanError(f"{data} has no corpus.jsonl (not a LeanDojo-format dataset)")
    if split is not None and split not in SPLITS:
        raise ProofplanError(f"unknown split {split!r}; expected random or novel_premises")


@train_app.command("retriever")
def train_retriever_command(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help="Train on this split's train part."),
    out: Path = typer.Option(Path("data/generated/retriever"), help="Output model folder."),
    method: str = typer.Option(
        "adapter", help="adapter: frozen MiniLM + trained adapters (CPU); layers: fine-tune layers."
    ),
    steps: int = typer.Option(None, min=1, help="Optimizer steps [default: 1000]."),
    batch_size: int = typer.Option(None, min=2, help="States per step [default: 128]."),
    learning_rate: float = typer.Option(None, min=0.0, help="[default: 1e-4 adapter, 5e-5 layers]"),
    train_layers: int = typer.Option(None, min=1, max=6, help="layers: top layers to train [2]."),
    hard_negatives: int = typer.Option(None, min=0, help="Same-file hard negatives per state [2]."),
    max_minutes: float = typer.Option(10.0, min=0.05, help="Stop (and save) after this many minutes of optimizer steps (encoding not counted)."),
    resume: bool = typer.Option(True, help="Continue from OUT/train_state.pt when it matches."),
    seed: int = typer.Option(0),
    threads: int = typer.Option(None, min=1, help="Torch CPU threads (default: torch's choice)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Fine-tune the premise encoder (from all-MiniLM-L6-v2) on (state, used premise) pairs."""
    from prover.models.premise_retriever import RetrieverTrainConfig, train_retriever

    _check(data, split)
    if method not in ("adapter", "layers"):
        raise ProofplanError(f"unknown method {method!r}; expected adapter or layers")
    if threads:
        import torch

        torch.set_num_threads(threads)
    given = {
        "steps": steps,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "train_layers": train_layers,
        "hard_negatives": hard_negatives,
    }
    if method == "layers":
        given["learning_rate"] = learning_rate if learning_rate is not None else 5e-5
        given["batch_size"] = batch_size or 32
    config = RetrieverTrainConfig(
        method=method,
        max_minutes=max_minutes,
        seed=seed,
        **{k: v for k, v in given.items() if v is not None},
    )
    out_console = console(as_json)

    def show(step: int, loss: float) -> None:
        if step == 1 or step % 100 == 0:
            out_console.print(f"step {step}/{config.steps}  loss {loss:.4f}")

    report = train_retriever(data, out, config, split=split, resume=resume, on_step=show)
    from prover.models.generators.templates import learn_templates

    learn_templates(data, split).save(out)  # premise templates live beside the retriever
    if as_json:
        echo_json({"command": "train retriever", "dataset": str(data), "split": split,
                   "output": str(out), "method": method, "report": report})
        return
    out_console.print(
        f"trained {report.steps} steps (resumed from {report.resumed_from}) on {report.examples} "
        f"examples in {report.seconds:.0f} s; loss {report.first_loss:.3f} -> {report.last_loss:.3f}; "
        f"model in {out}"
    )


@train_app.command("templates")
def train_templates_command(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help="Learn from this split's train part."),
    out: Path = typer.Option(Path("data/models/retriever"),
                             help="Folder of the premise retriever the templates go beside."),
    min_count: int = typer.Option(3, min=1, help="Keep templates used in at least this many theorems."),
    max_templates: int = typer.Option(32, min=1, help="Keep at most this many (most frequent first)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Learn premise templates (`apply {}.`, `rewrite {}.`, ...) from the traced tactics whose
    premise is annotated; `+retrieval` searches instantiate them with retrieved premises."""
    from prover.models.generators.templates import learn_templates

    _check(data, split)
    templates = learn_templates(data, split, min_count=min_count, max_templates=max_templates)
    path = templates.save(out)
    if as_json:
        echo_json({"command": "train templates", "dataset": str(data), "split": split,
                   "output": str(path), "templates": templates})
        return
    top = ", ".join(f"{t.template!r} {t.count}" for t in templates.templates[:6])
    console(False).print(f"{len(templates.templates)} templates from {templates.total} premise uses "
                         f"(most frequent: {top}); written to {path}", highlight=False)


@index_app.command("premises")
def index_premises_command(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    model: str = typer.Option(None, help=MODEL_HELP),
    out: Path = typer.Option(
        None, help="Index folder (default: data/generated/premise_index/...)."
    ),
    rebuild: bool = typer.Option(False, help="Build even when a matching saved index exists."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Encode every corpus premise and save the FAISS index (built once per corpus and encoder)."""
    import time

    from prover.models.premise_retriever import (
        PremiseCorpus,
        default_index_dir,
        load_encoder,
        premise_index,
    )

    _check(data)
    started = time.perf_counter()
    corpus = PremiseCorpus.load(data)
    encoder = load_encoder(model)
    folder = out or default_index_dir(data, encoder.name)
    index = premise_index(corpus, encoder, folder, rebuild=rebuild, show_progress=not as_json)
    seconds = time.perf_counter() - started
    if as_json:
        echo_json({"command": "index premises", "dataset": str(data), "premises": len(index),
                   "dim": index.dim, "encoder": encoder.name, "index": str(folder),
                   "seconds": round(seconds, 2)})
        return
    console().print(
        f"{len(index)} premises, {index.dim}-d, encoder {encoder.name}: {folder} ({seconds:.1f} s)"
    )


@eval_app.command("retrieval")
def eval_retrieval_command(
    data: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    split: str = typer.Option("random", help="random or novel_premises."),
    part: str = typer.Option("test", help="train, val or test."),
    model: str = typer.Option(None, help=MODEL_HELP),
    limit: int = typer.Option(None, min=1, help="Evaluate a seeded sample of this many tactics."),
    index_dir: Path = typer.Option(
        None, help="Saved index of the tuned encoder (default: derived)."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """R@1, R@10 and MRR of the tuned encoder beside BM25 and the untuned encoder, each ranking
    only the premises accessible from the theorem's file."""
    from rich.console import Console
    from rich.table import Table

    from prover.data.dataset import load_split
    from prover.models.premise_retriever import (
        PremiseCorpus,
        bm25_ranks,
        default_index_dir,
        dense_ranks,
        load_encoder,
        metrics_from_ranks,
        premise_index,
        retrieval_examples,
        sample_examples,
    )
    from retrieval.bm25 import BM25Index

    _check(data, split)
    if part not in ("train", "val", "test"):
        raise ProofplanError(f"unknown part {part!r}; expected train, val or test")
    corpus = PremiseCorpus.load(data)
    examples = sample_examples(retrieval_examples(load_split(data, split, part), corpus), limit)
    if not examples:
        raise ProofplanError(f"{data}: no {split}/{part} tactic uses a corpus premise")
    results = [metrics_from_ranks("BM25", bm25_ranks(BM25Index(corpus.records), corpus, examples))]
    untuned = load_encoder("untuned")
    untuned_index = premise_index(corpus, untuned, default_index_dir(data, untuned.name))
    results.append(
        metrics_from_ranks(
            "all-MiniLM-L6-v2 (untuned)", dense_ranks(untuned, untuned_index, corpus, examples)
        )
    )
    tuned = load_encoder(model, split=split)
    if tuned.trained_split is not None and tuned.trained_split != split:
        Console(stderr=True).print(
            f"warning: {tuned.name} was trained on the {tuned.trained_split} split; its train "
            f"part may hold {split}/{part} theorems"
        )
    if tuned.name != untuned.name:
        tuned_index = premise_index(corpus, tuned, index_dir or default_index_dir(data, tuned.name))
        results.append(
            metrics_from_ranks(
                f"{tuned.name} (fine-tuned on {tuned.trained_split or '?'}/train)",
                dense_ranks(tuned, tuned_index, corpus, examples),
            )
        )

    base = results[0]
    table = Table(
        title=f"premise retrieval: {data.name} {split}/{part}, {len(examples)} tactics, "
        f"{len(corpus)} premises (accessible only)"
    )
    for col in ("retriever", "R@1", "R@10", "MRR", "R@10 / BM25", "MRR / BM25"):
        table.add_column(col, justify="left" if col == "retriever" else "right")
    for m in results:
        table.add_row(
            m.name,
            f"{m.recall_at_1:.3f}",
            f"{m.recall_at_10:.3f}",
            f"{m.mrr:.3f}",
            f"{m.recall_at_10 / base.recall_at_10:.2f}x" if base.recall_at_10 else "-",
            f"{m.mrr / base.mrr:.2f}x" if base.mrr else "-",
        )
    console(as_json, width=140).print(table)
    if as_json:
        echo_json(
            {
                "dataset": str(data),
                "split": split,
                "part": part,
                "tactics": len(examples),
                "premises": len(corpus),
                "results": results,
            }
        )
