"""Where a search's time goes: seconds per phase and per kind of tactic run.

Runs one configuration on the first ``--limit`` theorems of a split (as ``bench_prover.py``
does, re-check and leak check included) and sums, over all theorems, the search's phases
(generation, retrieval, progress scoring, tactics, re-check) and the seconds of the tactics it
ran by kind: generated tactics, ``lia``, ``sauto`` and ``hammer`` (read from each search tree's
edges), with the calls of each.

    python benchmarks/profile_prover.py --data data/coq/sample --limit 8 --budget-seconds 20
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from common.paths import data_dir  # noqa: E402
from prover.search import defaults as search_defaults  # noqa: E402
from prover.search.configs import ProverSettings, check_config, evaluation_prover, load_components  # noqa: E402
from prover.search.evaluation import load_benchmark  # noqa: E402

KINDS = ("hammer", "sauto", "lia", "hauto use")


def tactic_kind(tactic: str) -> str:
    """``hammer``, ``sauto``, ``lia`` or ``hauto use`` (with retrieved facts) for the automation
    the ``+sauto``/``+hammer`` suffixes add (under ``timeout`` or not), else ``generated``."""
    words = tactic.replace(".", " ").split()
    if words[:1] == ["timeout"]:
        words = words[2:]
    head = words[0] if words else ""
    if head == "hauto" and words[1:2] == ["use:"]:
        return "hauto use"
    return head if head in KINDS else "generated"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=data_dir() / "coq" / "sample")
    p.add_argument("--split", default="random")
    p.add_argument("--part", default="test")
    p.add_argument("--limit", type=int, default=8)
    p.add_argument("--exclude-train-of", type=Path, default=None, metavar="DATASET")
    p.add_argument("--budget-seconds", type=float, default=20.0)
    p.add_argument("--k", type=int, default=search_defaults.K)
    p.add_argument("--sauto-timeout", type=float, default=search_defaults.SAUTO_TIMEOUT)
    p.add_argument("--models-dir", type=Path, default=None)
    p.add_argument("--config", default=search_defaults.CONFIG)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    check_config(args.config)
    if not args.data.is_dir():
        console.print(f"error: no dataset at {args.data}")
        return 2
    theorems = load_benchmark(args.data, args.split, args.part,
                              args.limit, args.exclude_train_of)
    settings = ProverSettings(time_limit=args.budget_seconds, k=args.k, models_dir=args.models_dir,
                              dataset_dir=args.data, sauto_timeout=args.sauto_timeout)
    from prover.coq import CoqEnv

    phases: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    expansions = proved = 0
    with CoqEnv() as env:
        prover = evaluation_prover(args.config, env, settings, load_components(args.config, settings))
        for theorem in theorems:
            result = prover(theorem)
            proved += result.proved
            expansions += result.expansions
            phases.update(result.timings)
            for _, _, edge in result.tree.edges(data=True):
                kind = tactic_kind(edge["tactic"])
                seconds[kind] += edge.get("seconds", 0.0)
                calls[kind] += 1
    n = max(1, len(theorems))
    console.print(f"{args.config}: {len(theorems)} theorems of {args.data} {args.split}/{args.part}, "
                  f"{args.budget_seconds:g} s each; proved {proved}; {expansions / n:.1f} expansions per theorem")
    table = Table(title="seconds per phase (sum over theorems)")
    for col in ("phase", "seconds", "per expansion"):
        table.add_column(col, justify="left" if col == "phase" else "right")
    for phase, s in sorted(phases.items(), key=lambda kv: -kv[1]):
        table.add_row(phase, f"{s:.1f}", f"{s / max(1, expansions):.3f}")
    console.print(table)
    table = Table(title="tactics run, by kind")
    for col in ("kind", "calls", "seconds", "ms per call"):
        table.add_column(col, justify="left" if col == "kind" else "right")
    for kind in ("generated", *KINDS):
        if calls[kind]:
            table.add_row(kind, str(calls[kind]), f"{seconds[kind]:.1f}", f"{1000 * seconds[kind] / calls[kind]:.0f}")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
