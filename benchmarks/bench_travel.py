"""Benchmark the z3 travel planner on the 45 TravelPlanner train queries (issues 3 and 4).

For each mode (sole planning over each query's reference information, two-stage over the
database) it translates every query with the built-in parser, plans it, re-checks the plan with
our evaluator and prints: final pass rate (and the other metrics), per-field translation
accuracy, median / p95 solve time, and our total cost beside the human-annotated plans' cost.
With the unsat set present (data/travel_unsat) it also prints the unsat metrics.
Per-query results stream to ``runs/bench_travel/`` (a rerun resumes; --fresh starts over).
Every plan is also scored by the re-implementation of the official scripts (planner/travel/
official.py); the table shows its final pass rate and the plans where the two evaluators differ.
Targets: final pass rate 100% in both modes; every field >= 98%; median <= 1 s, p95 <= 5 s.
It also reads the hand-written request sets and prints, per set, the requests read exactly (no
doubt), those flagged (a doubt or a one-line refusal: never planned as read) and those silently
wrong (issue 39: 0; the fresh registers set >= 97% exact).

    python benchmarks/bench_travel.py [--modes sole two-stage] [--limit N] [--fresh]
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from common.paths import REPO_ROOT
from planner.travel.benchmark import run_eval
from planner.travel.evaluation import SUMMARY_METRICS
from planner.travel.parser import RuleBasedParser


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", nargs="+", default=["sole", "two-stage"])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--skip-unsat", action="store_true")
    args = ap.parse_args()
    console = Console()
    out_dir = REPO_ROOT / "runs" / "bench_travel"
    summaries = {}
    for mode in args.modes:
        out = out_dir / f"train_{mode}.json"
        if args.fresh:
            out.with_suffix(".partial.jsonl").unlink(missing_ok=True)
        with console.status(f"{mode} ...") as status:
            summaries[mode] = run_eval("train", mode, RuleBasedParser(), args.time_limit, out, args.limit,
                                       progress=lambda r, mode=mode: status.update(f"{mode}: query {r.idx} {r.status}"))
    t = Table(title="TravelPlanner train (built-in parser)")
    t.add_column("metric")
    for mode in summaries:
        t.add_column(mode, justify="right")
    for name, key in SUMMARY_METRICS:
        t.add_row(name, *[f"{s['metrics'][key]:.1%}" for s in summaries.values()])
    t.add_row("Final pass rate, official scripts' rules (re-implemented)",
              *[f"{s['official_metrics']['final_pass_rate']:.1%}" for s in summaries.values()])
    t.add_row("Plans where our evaluator and the official rules disagree",
              *[str(len(s["evaluators_disagree_on"])) for s in summaries.values()])
    for level in ("easy", "medium", "hard"):
        t.add_row(f"  final pass ({level})",
                  *[f"{s['per_level'].get(level, {}).get('final_pass_rate', 0):.1%}" for s in summaries.values()])
    t.add_row("Translation exact (against the gold fields)", *[f"{s['translation']['exact']:.1%}" for s in summaries.values()])
    t.add_row("Requests flagged, not planned", *[str(len(s["translation"]["flagged"])) for s in summaries.values()])
    t.add_row("Requests planned on a misread", *[str(len(s["translation"]["silently_wrong"])) for s in summaries.values()])
    t.add_row("Solve time median (s)", *[f"{s['solve_seconds']['median']:.2f}" for s in summaries.values()])
    t.add_row("Solve time p95 (s)", *[f"{s['solve_seconds']['p95']:.2f}" for s in summaries.values()])
    t.add_row("Solve time max (s)", *[f"{s['solve_seconds']['max']:.2f}" for s in summaries.values()])
    t.add_row("Our total cost ($)", *[f"{s['cost']['ours_total']:,}" for s in summaries.values()])
    t.add_row("Annotated total cost ($)", *[f"{s['cost']['human_total']:,}" for s in summaries.values()])
    t.add_row("Queries dearer than annotated",
              *[str(len(s['cost']['more_expensive_than_human'])) for s in summaries.values()])
    t.add_row("Provably cheapest plans", *[f"{s['cost']['provably_cheapest']}/{s['n']}" for s in summaries.values()])
    console.print(t)
    first = next(iter(summaries.values()))
    acc = Table(title="Translation accuracy per field (built-in parser vs gold)")
    acc.add_column("field")
    acc.add_column("accuracy", justify="right")
    for field, value in first["translation_accuracy"].items():
        acc.add_row(field, f"{value:.1%}")
    console.print(acc)
    sets = Table(title="Hand-written request sets (data/travel_requests): translation only")
    for col in ("set", "n", "exact, no doubt", "flagged (doubt or refusal)", "silently wrong", "median s / request"):
        sets.add_column(col, justify="right" if col != "set" else "left")
    from planner.travel.request_eval import evaluate_requests, load_requests

    for name in ("handwritten", "registers"):
        path = REPO_ROOT / "data" / "travel_requests" / f"{name}.jsonl"
        r = evaluate_requests(RuleBasedParser(), load_requests(path))
        sets.add_row(name, str(r.n), f"{r.exact:.1%}", str(r.flagged), str(r.silently_wrong), f"{r.median_seconds:.3f}")
    console.print(sets)
    if not args.skip_unsat:
        try:
            from planner.travel.unsat_bench import print_unsat_benchmark
        except ImportError:
            return
        print_unsat_benchmark(console, limit=args.limit, time_limit=args.time_limit)


if __name__ == "__main__":
    main()
