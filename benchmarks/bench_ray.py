"""Ray benchmark: proof search over 1 vs 2 local Ray workers at the same per-theorem budget.

Both runs prove the same theorems (the first ``--limit`` of the dataset's held-out parts, by
default the test parts of both splits of the shipped Coq sample, 102 distinct theorems; a
built-in set of small arithmetic/logic statements when the dataset is absent) with the same
configuration and budget, on one local Ray cluster. Each worker owns one coqtop. The timed part
is the run itself (workers already started); start-up is shown apart. Target of issue 11: the
2-worker run is at least 1.7x faster than the 1-worker run.

    python benchmarks/bench_ray.py --limit 100 --config fixed --max-expansions 8

On a machine whose cores are shared with other work the speed-up is noisy: the table prints the
load average before and after, and the number of CPU cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from common.paths import data_dir  # noqa: E402
from prover.env import Theorem  # noqa: E402
from prover.search.configs import ProverSettings  # noqa: E402
from prover.search.distributed import RayEvaluation, RaySettings  # noqa: E402
from prover.search.evaluation import load_benchmark, read_results, theorem_id  # noqa: E402


def builtin_theorems(n: int) -> list[Theorem]:
    """``n`` distinct small statements: some closed at once, some after a few steps, some false."""
    templates = [
        "forall n : nat, n + {i} = {i} + n",
        "forall P Q : Prop, P /\\ Q -> Q /\\ P",
        "{i} * 3 = {j}",
        "forall n : nat, n + {i} = n",
        "forall n m : nat, n <= m -> n <= m + {i}",
        "forall P Q R : Prop, (P -> Q) -> (Q -> R) -> P -> R",
        "forall l : list nat, length (l ++ nil) = length l + {i} * 0",
        "forall n : nat, S n < n + {i} - {i}",
    ]
    out = []
    for i in range(n):
        tpl = templates[i % len(templates)]
        k = i // len(templates) + 1
        stmt = tpl.format(i=k, j=3 * k)
        out.append(Theorem(f"t{i}", stmt, "Require Import Lia.", full_name=f"Bench.t{i}"))
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=data_dir() / "coq" / "sample")
    p.add_argument("--parts", default="random/test,novel_premises/test",
                   help="comma-separated SPLIT/PART of the dataset, merged without duplicates")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--config", default="fixed")
    p.add_argument("--budget-seconds", type=float, default=10.0)
    p.add_argument("--max-expansions", type=int, default=8)
    p.add_argument("--k", type=int, default=8)
    p.add_argument("--workers", default="1,2", help="comma-separated worker counts to compare")
    p.add_argument("--shared-generator", action="store_true")
    p.add_argument("--repeats", type=int, default=1, help="alternate the worker counts this many times")
    return p.parse_args(argv)


def load_theorems(args: argparse.Namespace) -> tuple[list[Theorem], str]:
    parts = [p.split("/", 1) for p in args.parts.split(",")]
    if not all((args.data / split / f"{part}.json").exists() for split, part in parts):
        return builtin_theorems(args.limit), "built-in statements (dataset not found)"
    seen: set[str] = set()
    theorems: list[Theorem] = []
    for split, part in parts:
        for thm in load_benchmark(args.data, split, part):
            if theorem_id(thm) not in seen:
                seen.add(theorem_id(thm))
                theorems.append(thm)
    return theorems[: args.limit], f"{args.data}: {args.parts}"


def main(argv: list[str] | None = None) -> int:
    import ray

    args = parse_args(argv)
    console = Console(width=120)
    theorems, source = load_theorems(args)
    counts = [int(w) for w in args.workers.split(",")]
    settings = ProverSettings(time_limit=args.budget_seconds, max_expansions=args.max_expansions,
                              k=args.k, tactic_timeout=5.0)
    load_before = os.getloadavg()
    ray.init(num_cpus=max(counts), include_dashboard=False, log_to_driver=False,
             logging_level="WARNING")
    rows: list[tuple[int, int, float, float, int, int, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
            # Alternate the worker counts so a change in machine load hits them alike.
            for rep in range(args.repeats):
                for n in counts:
                    out = Path(tmp) / f"r{rep}-w{n}.jsonl"
                    t0 = time.perf_counter()
                    rs = RaySettings(workers=n, shared_generator=args.shared_generator)
                    with RayEvaluation(args.config, settings, rs) as pool:
                        started = time.perf_counter() - t0
                        t1 = time.perf_counter()
                        summary = pool.run(theorems, out, show_progress=False)
                        wall = time.perf_counter() - t1
                    cpu_sum = sum(r.time for r in read_results(out))
                    rows.append((rep, n, started, wall, summary.proved, summary.total, cpu_sum))
    finally:
        ray.shutdown()
    load_after = os.getloadavg()

    table = Table(title=f"proof search over Ray workers: {args.config}, {len(theorems)} theorems "
                        f"({source}), budget {args.budget_seconds:g} s / {args.max_expansions} expansions")
    for col in ("run", "workers", "start s", "wall s", "thm/s", "proved", "sum thm s", "speed-up"):
        table.add_column(col, justify="right")
    base_of = {rep: wall for rep, n, _, wall, *_ in rows if n == counts[0]}
    for rep, n, started, wall, proved, total, cpu_sum in rows:
        table.add_row(str(rep + 1), str(n), f"{started:.1f}", f"{wall:.1f}", f"{total / wall:.2f}",
                      f"{proved}/{total}", f"{cpu_sum:.1f}", f"{base_of[rep] / wall:.2f}x")
    console.print(table)
    console.print(f"CPU cores: {os.cpu_count()}; load average (1/5/15 min) before "
                  f"{'/'.join(f'{x:.2f}' for x in load_before)}, after "
                  f"{'/'.join(f'{x:.2f}' for x in load_after)}")
    if len(counts) > 1:
        speedups = [base_of[rep] / wall for rep, n, _, wall, *_ in rows if n == counts[-1]]
        speedup = statistics.median(speedups)
        verdict = "met" if speedup >= 1.7 else "NOT met"
        console.print(f"target: {counts[-1]} workers >= 1.7x faster than {counts[0]}: median "
                      f"{speedup:.2f}x over {len(speedups)} run(s) ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
