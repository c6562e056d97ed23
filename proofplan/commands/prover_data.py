"""CLI commands: ``proofplan data stats DIR`` (a LeanDojo-layout dataset folder)."""

from pathlib import Path

import typer

from proofplan.apps import data_app
from proofplan.output import JSON_HELP

HISTOGRAM_WIDTH = 40
MAX_BINS = 12


@data_app.command("stats")
def stats(
    dataset_dir: Path = typer.Argument(..., help="Dataset folder (LeanDojo Benchmark 4 layout)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Print theorems, tactics, premises, split sizes and the distribution of proof lengths."""
    from rich.table import Table

    from proofplan.output import console as make_console
    from proofplan.output import echo_json
    from prover.data.dataset import PARTS, dataset_stats

    st = dataset_stats(dataset_dir)
    console = make_console(as_json)
    summary = Table(title=f"dataset {dataset_dir}", show_header=False)
    summary.add_column("what")
    summary.add_column("count", justify="right")
    if st.metadata is not None:
        summary.add_row("name", st.metadata.dataset_name)
    summary.add_row("theorems", str(st.theorems))
    summary.add_row("traced tactics", str(st.tactics))
    summary.add_row("theorems with a traced proof", str(st.theorems_with_proof))
    summary.add_row("distinct premises used", str(st.premises_used))
    summary.add_row(
        "premises in corpus",
        "no corpus.jsonl" if st.premises_in_corpus is None else str(st.premises_in_corpus),
    )
    if st.corpus_files is not None:
        summary.add_row("corpus files", str(st.corpus_files))
    console.print(summary)

    splits = Table(title="split sizes (theorems)")
    splits.add_column("split")
    for part in PARTS:
        splits.add_column(part, justify="right")
    for split, sizes in st.split_sizes.items():
        splits.add_row(split, *(str(sizes[p]) if p in sizes else "-" for p in PARTS))
    console.print(splits)

    console.print("proof length (traced tactics) : theorems")
    top = max(st.proof_lengths.values(), default=0)
    for label, count in _length_bins(st.proof_lengths):
        bar = "#" * max(1 if count else 0, round(HISTOGRAM_WIDTH * count / top))
        console.print(f"{label:>10} | {bar} {count}", highlight=False)
    if as_json:
        echo_json({"dataset": str(dataset_dir), **_stats_json(st)})


def _stats_json(st) -> dict:
    """The counts of `st` (a ``DatasetStats``) as plain JSON data; theorems with a traced proof added."""
    from proofplan.output import to_jsonable

    data = to_jsonable(st)
    data["theorems_with_proof"] = st.theorems_with_proof
    data["proof_lengths"] = {str(n): c for n, c in sorted(st.proof_lengths.items())}
    return data


def _length_bins(lengths: "dict[int, int]") -> list[tuple[str, int]]:
    """One bin per length when few lengths occur, else equal-width ranges."""
    if not lengths:
        return []
    hi = max(lengths)
    if hi < MAX_BINS:
        return [(str(n), lengths.get(n, 0)) for n in range(hi + 1)]
    width = -(-(hi + 1) // MAX_BINS)
    bins = []
    for lo in range(0, hi + 1, width):
        count = sum(c for n, c in lengths.items() if lo <= n < lo + width)
        bins.append((f"{lo}-{lo + width - 1}", count))
    return bins
