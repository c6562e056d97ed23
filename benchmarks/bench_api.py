"""Benchmark the API planner on the evaluation set (issue 5).

For each planner (Fast Downward, pyperplan) it runs every request end to end: built-in
extraction, clingo, PDDL generation and the planner (Fast Downward as a subprocess, pyperplan in
a forked process), and scores the plan. It prints success per category, end-to-end latency
(median, p95) and the planner's own time side by side, plus the success with BM25 API selection.
Outcomes are appended to ``runs/bench_api/<planner>.jsonl`` as they are made; a rerun resumes.
Targets: >= 99% success with the built-in extractor; median <= 0.5 s and p95 <= 2 s per request.

With ``--nestful`` it instead runs NESTFUL's executable split (issue 22) with the cue-free
translator and no language model, once per planner (pyperplan, Fast Downward), and prints
NESTFUL's metrics beside the published model figures (``runs/bench_api/nestful_<planner>.jsonl``).

    python benchmarks/bench_api.py [--limit N] [--fresh] [--nestful]
"""

from __future__ import annotations

import argparse
import os
import statistics
from pathlib import Path

from rich.console import Console
from rich.table import Table

from common.paths import data_dir
from planner.api.catalog import load_catalog
from planner.api.evalset import load_evalset, load_handwritten
from planner.api.evaluation import CaseOutcome, evaluate, summarise
from planner.api.extractor import extract
from planner.api.selection import ApiSelector


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N cases")
    parser.add_argument("--fresh", action="store_true", help="ignore earlier results")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_api"))
    parser.add_argument("--select-k", type=int, default=4, help="top-k APIs for the BM25 selection run")
    parser.add_argument("--nestful", action="store_true", help="NESTFUL's executable split instead")
    args = parser.parse_args()
    if args.nestful:
        bench_nestful(args)
        return
    cases = load_evalset()
    if args.limit:
        cases = cases[: args.limit]
    args.out.mkdir(parents=True, exist_ok=True)
    console = Console(highlight=False)
    console.print(f"{len(cases)} requests; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")

    runs: dict[str, list[CaseOutcome]] = {}
    for planner in ("fast-downward", "pyperplan"):
        path = args.out / f"{planner}.jsonl"
        if args.fresh and path.exists():
            path.unlink()
        runs[planner] = list(evaluate(cases, lambda cat, text: extract(cat, text), planner=planner, results_path=path))

    selectors: dict[str, ApiSelector] = {}

    def selected(cat, text):
        sel = selectors.setdefault(cat.name, ApiSelector(load_catalog(cat.name)))
        return extract(sel.select(text, args.select_k), text)

    sel_path = args.out / f"bm25-top{args.select_k}.jsonl"
    if args.fresh and sel_path.exists():
        sel_path.unlink()
    sel_outcomes = list(evaluate(cases, selected, planner="fast-downward", results_path=sel_path))

    summaries = {k: summarise(v) for k, v in runs.items()}
    sel_summary = summarise(sel_outcomes)
    table = Table(title="Success per category (built-in extractor)")
    table.add_column("category")
    table.add_column("n", justify="right")
    for name in runs:
        table.add_column(name, justify="right")
    table.add_column(f"FD + BM25 top-{args.select_k}", justify="right")
    for cat, (n, _) in summaries["fast-downward"].by_category.items():
        row = [cat, str(n)] + [f"{100 * s.by_category[cat][1]:.1f}%" for s in summaries.values()]
        table.add_row(*row, f"{100 * sel_summary.by_category[cat][1]:.1f}%")
    table.add_row("[bold]all[/]", str(len(cases)), *[f"[bold]{100 * s.success:.1f}%[/]" for s in summaries.values()],
                  f"[bold]{100 * sel_summary.success:.1f}%[/]")
    table.add_row("same calls as gold", "", *[f"{100 * s.gold_calls_match:.1f}%" for s in summaries.values()],
                  f"{100 * sel_summary.gold_calls_match:.1f}%")
    console.print(table)

    lat = Table(title="Latency per request (seconds)")
    lat.add_column("planner")
    for col in ("end-to-end median", "end-to-end p95", "planner median", "planner p95", "planner max"):
        lat.add_column(col, justify="right")
    for name, outs in runs.items():
        e2e = [o.seconds for o in outs]
        plan_t = [o.planner_seconds for o in outs if o.planner_seconds > 0]
        lat.add_row(name, f"{statistics.median(e2e):.3f}", f"{pct(e2e, 0.95):.3f}",
                    f"{statistics.median(plan_t):.3f}", f"{pct(plan_t, 0.95):.3f}", f"{max(plan_t):.3f}")
    console.print(lat)
    console.print("targets: success >= 99%, end-to-end median <= 0.5 s, p95 <= 2 s")
    hand: list[CaseOutcome] = []
    for name in ("handwritten", "handwritten_heldout"):
        path = data_dir() / "api" / f"{name}.yaml"
        outs = list(evaluate(load_handwritten(path), lambda cat, text: extract(cat, text), planner="fast-downward"))
        console.print(f"hand-written free-phrasing probe ({path.name}): {sum(o.success for o in outs)}/{len(outs)} succeed")
        hand += outs
    for name, outs in {**runs, "bm25": sel_outcomes, "hand": hand}.items():
        for o in outs:
            if not o.success:
                console.print(f"[red]fail[/] {name} {o.id}: {o.reason}")


# Published figures (Basu et al., NESTFUL, arXiv:2409.03797 v3 / EMNLP 2025): the best model,
# GPT-4o, on the released 1,861-sequence set (MathQA + StarCoder2 functions), not on this split.
PUBLISHED = [("GPT-4o, NESTFUL v3 full set (1,861 sequences), paper abstract", "28% full sequence accuracy")]


def bench_nestful(args: argparse.Namespace) -> None:
    import torch

    from planner.api.importers import import_spec
    from planner.api.nestful import default_paths, load_cases, off_spec
    from planner.api.nestful import evaluate as evaluate_nestful
    from planner.api.nestful import summarise as summarise_nestful
    from planner.api.spec_translator import SpecTranslator
    from retrieval.encoder import SentenceTransformerEncoder

    torch.set_num_threads(1)
    data, spec = default_paths()
    cases = load_cases(data)[: args.limit or None]
    translator = SpecTranslator(import_spec(spec, "nestful"), SentenceTransformerEncoder(), default_year=2024)
    args.out.mkdir(parents=True, exist_ok=True)
    table = Table(title=f"NESTFUL executable split, {len(cases)} requests, no language model")
    for col in ("planner", "function F1", "argument F1", "partial seq.", "full seq.", "full, on-spec gold",
                "median s", "p95 s"):
        table.add_column(col, justify="right")
    for planner in ("pyperplan", "fast-downward"):
        path = args.out / f"nestful_{planner}.jsonl"
        if args.fresh and path.exists():
            path.unlink()
        scores = list(evaluate_nestful(cases, translator, planner=planner, results_path=path))
        s = summarise_nestful(scores)
        on_spec = [x for x, c in zip(scores, cases, strict=True) if not off_spec(c, translator.catalog)]
        table.add_row(planner, f"{s.f1_functions:.3f}", f"{s.f1_arguments:.3f}", f"{100 * s.partial:.1f}%",
                      f"{100 * s.full:.1f}%", f"{sum(x.full for x in on_spec)} of {len(on_spec)}",
                      f"{s.median_s:.3f}", f"{s.p95_s:.3f}")
    console = Console(highlight=False)
    console.print(table)
    console.print("targets: full sequence >= 40%, function F1 >= 0.9, median <= 0.5 s")
    for who, figure in PUBLISHED:
        console.print(f"published: {who}: {figure}")


if __name__ == "__main__":
    main()
