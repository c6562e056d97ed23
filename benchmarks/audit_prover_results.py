"""Re-check the proofs of finished ``bench_prover.py`` results files with the current leak check.

Every proved record is compiled again by ``coqc`` in a fresh process, with the context its
configuration adds, and refused when its text or proof term names the theorem itself or a lemma
at or after it in its file (:class:`prover.search.leak_check.FutureLemmaCheck`). Use it when the
check has changed since a run. Results of a ``--file-prefix`` run (``*_prefix.jsonl``) are
re-checked after the theorem's file prefix, in a fresh ``coqtop`` (:mod:`prover.coq.prefix`):

    python benchmarks/audit_prover_results.py data/generated/full/bench_s8/*.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from prover.coq import CoqEnv  # noqa: E402
from prover.env import Theorem  # noqa: E402
from prover.search.configs import ProverSettings, theorem_as_proved  # noqa: E402
from prover.search.evaluation import load_benchmark, read_results, theorem_id  # noqa: E402
from prover.search.leak_check import FutureLemmaCheck  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", type=Path, nargs="+")
    p.add_argument("--data", type=Path, default=Path("data/generated/coq_stdlib"))
    p.add_argument("--split", default="random")
    p.add_argument("--part", default="test")
    p.add_argument("--budget-seconds", type=float, default=20.0,
                   help="the run's budget (it sizes the hammer limits in a +hammer context)")
    args = p.parse_args(argv)
    console = Console(stderr=True)
    theorems = {theorem_id(t): t for t in load_benchmark(args.data, args.split, args.part, None)}
    prefixed: dict[str, Theorem] = {}  # a run with --file-prefix writes <config>..._prefix.jsonl
    settings = ProverSettings(time_limit=args.budget_seconds)
    table = Table(title="proofs re-checked with the current leak check")
    for col in ("results", "proved", "still accepted", "refused now"):
        table.add_column(col)
    with CoqEnv() as env:
        check = FutureLemmaCheck.from_dataset(env, args.data)
        for path in args.results:
            records = [r for r in read_results(path) if r.proved]
            refused = []
            for r in records:
                if r.name not in theorems:
                    console.print(f"error: {r.name} is not a theorem of {args.data} {args.split}/{args.part}")
                    return 2
                stated = theorems[r.name]
                if path.stem.endswith("_prefix") and not r.timings.get("plain"):
                    if not prefixed:
                        prefixed.update((theorem_id(t), t) for t in load_benchmark(
                            args.data, args.split, args.part, None, file_prefix=True))
                    stated = prefixed[r.name]
                if not check(theorem_as_proved(r.config, stated, settings), r.proof or []):
                    refused.append(r.name)
                    console.print(f"refused: {r.config} {r.name} names "
                                  f"{sorted(check.rejected_for_leak.get(r.name, ()))}: {json.dumps(r.proof)}")
            table.add_row(path.name, str(len(records)), str(len(records) - len(refused)), str(len(refused)))
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
