"""Print the unsat-set metrics (used by `proofplan eval travel-unsat` and bench_travel.py)."""

from __future__ import annotations

import json
from pathlib import Path

from planner.travel.unsat_set import evaluate, load_unsat_set


def print_unsat_benchmark(console, limit: int | None = None, time_limit: float = 10.0,
                          out: Path | None = None) -> dict:
    from rich.table import Table

    items = load_unsat_set()[: limit or None]
    with console.status("explaining and repairing ...") as status:
        stream = out.with_suffix(".partial.jsonl") if out is not None else None
        summary = evaluate(items, time_limit, progress=lambda r: status.update(
            f"{r.id}: {'explained' if r.explained else 'NOT explained'}, {'repaired' if r.repaired else 'NOT repaired'}"),
            stream=stream)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=1))
        if len(items) == summary["n"] and stream is not None:
            stream.unlink(missing_ok=True)
    t = Table(title=f"Unsatisfiable requests ({summary['n']})")
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_row("explained correctly", f"{summary['explained_share']:.1%}")
    t.add_row("repaired with a verified plan", f"{summary['repaired_share']:.1%}")
    exact = summary["budget_repair_exact_share"]
    t.add_row("budget repair = true minimum", "-" if exact is None else f"{exact:.1%}")
    t.add_row("detection + explanation median (s)", f"{summary['explain_seconds']['median']:.2f}")
    t.add_row("detection + explanation p95 (s)", f"{summary['explain_seconds']['p95']:.2f}")
    t.add_row("repairs median (s)", f"{summary['repair_seconds_median']:.2f}")
    t.add_row("explanation size: constraints in the conflict (requests)",
              ", ".join(f"{k}: {v}" for k, v in summary["conflict_sizes"].items()))
    t.add_row("conflicts proved minimal", f"{summary['minimal_share']:.1%}")
    t.add_row("repairs re-checked by the official rules", f"{summary['repairs_rechecked']}/{summary['repairs']}")
    for kind, v in summary["by_kind"].items():
        t.add_row(f"  {kind}: explained", f"{v['explained']}/{v['n']}")
    console.print(t)
    for miss in summary["not_explained"][:10]:
        console.print(f"not explained: {miss['id']} got {miss['got']} expected {miss['expected']}: {miss['reasons']}")
    if summary["not_repaired"]:
        console.print(f"not repaired: {summary['not_repaired']}")
    return summary
