"""Start-up: how long the prover takes to give its first and its next answers.

Three cases, each cold (a fresh ``proofplan`` process, the on-disk caches as they are) and warm
(one :class:`prover.session.Prover` in this process, already started):

* a trivial theorem, ``forall n : nat, n + 0 = n`` (cold: ``proofplan prove``; warm: the same
  theorem on a warm prover);
* the demo's proofs stage (cold: ``proofplan demo --json``, its ``proofs`` seconds; warm: its five
  theorems with its settings, full search, on a prover that has loaded the models);
* a 10-theorem file (every 6th theorem of ``tests/prover/fixtures/textbook.jsonl``; cold:
  ``proofplan prove FILE``; warm: the ten on a warm prover).

Ratios are to the figures measured before this work on a fresh clone (issue 41): 24 s for the
trivial theorem and 185 s for the demo's proofs stage (the file has no earlier figure; its
ratio is to 24 s, the start-up a cold process paid before its first answer). The warm rows also
give the overhead outside the search: wall time minus the seconds the searches themselves
report (hammer's warm-up, which runs off the search's clock, counts as overhead).

``--fresh-cache`` runs the cold cases once more with an empty cache folder
(``$PROOFPLAN_CACHE``), as on a fresh clone: the premise index is built then (minutes).

    python benchmarks/bench_startup.py [--repeats 3] [--fresh-cache] [--out runs/startup.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TRIVIAL = "forall n : nat, n + 0 = n"
TRIVIAL_BEFORE_S = 24.0
DEMO_BEFORE_S = 185.0
TARGETS = {"trivial theorem": 5.0, "demo proofs stage": 40.0}
TEXTBOOK = REPO / "tests" / "prover" / "fixtures" / "textbook.jsonl"


def ten_theorems(folder: Path) -> Path:
    records = [json.loads(line) for line in TEXTBOOK.read_text(encoding="utf-8").splitlines() if line.strip()]
    path = folder / "ten.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records[::6][:10]), encoding="utf-8")
    return path


def cli(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of ``proofplan ARGS`` in a fresh process, and its stdout."""
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "proofplan.cli", *args], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - start
    if out.returncode != 0:
        raise SystemExit(f"proofplan {' '.join(args)} failed ({out.returncode}): {out.stderr[-2000:]}")
    return wall, out.stdout


def cold(file: Path, env: dict[str, str]) -> dict[str, float]:
    trivial, _ = cli(["prove", TRIVIAL], env)
    _, report = cli(["demo", "--json"], env)
    demo = float(json.loads(report)["seconds"]["proofs"])
    ten, _ = cli(["prove", str(file)], env)
    return {"trivial theorem": trivial, "demo proofs stage": demo, "10-theorem file": ten}


def searched(result) -> float:
    """Seconds the searches of one answer report: the full search's, plus the quick tactics'
    when the full search ran after them (:mod:`prover.search.quick`)."""
    quick = result.timings.get("quick", 0.0)
    return result.time if quick == result.time else result.time + quick


def warm(file: Path) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Warm wall seconds per case, and each case's median and largest overhead outside the
    search per theorem (the largest is where hammer's one-off warm-up ran)."""
    from common.paths import data_dir
    from proofplan.commands.demo import DEMO_THEOREMS
    from prover.data.theorem_files import read_theorem_file
    from prover.search.configs import ProverSettings
    from prover.search.evaluation import load_benchmark
    from prover.session import Prover

    walls: dict[str, float] = {}
    overheads: dict[str, tuple[float, float]] = {}

    def run(prover: Prover, theorems, name: str) -> None:
        total, outside = 0.0, []
        for theorem in theorems:
            start = time.monotonic()
            result = prover.prove(theorem)
            wall = time.monotonic() - start
            total += wall
            outside.append(max(0.0, wall - searched(result)))
        walls[name] = total
        overheads[name] = (statistics.median(outside), max(outside))

    with Prover() as prover:
        prover.prove("forall b : bool, negb (negb b) = b")  # start Coq
        run(prover, [TRIVIAL], "trivial theorem")
        theorems = read_theorem_file(file)
        prover.prove(theorems[-1])  # the models load here if the quick tactics leave it open
        run(prover, theorems, "10-theorem file")
    dataset = data_dir() / "coq" / "sample"
    by_name = {t.full_name: t for t in load_benchmark(dataset, "random", "test")}
    demo = [by_name[n] for n in DEMO_THEOREMS if n in by_name]
    settings = ProverSettings(time_limit=15.0, k=8, tactic_timeout=5.0, dataset_dir=dataset)
    with Prover(settings=settings, quick=False) as prover:
        prover.prove(demo[0])  # models and hammer's cache for the first context
        run(prover, demo, "demo proofs stage")
    return walls, overheads


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3, help="Cold runs per case (the median is shown).")
    p.add_argument("--fresh-cache", action="store_true", help="Also the cold cases with an empty cache folder.")
    p.add_argument("--out", type=Path, default=None, help="Write the figures here as JSON.")
    args = p.parse_args(argv)

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        file = ten_theorems(Path(tmp))
        runs = [cold(file, env) for _ in range(args.repeats)]
        figures["cold"] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        if args.fresh_cache:
            figures["cold, empty cache"] = cold(file, {**env, "PROOFPLAN_CACHE": str(Path(tmp) / "cache")})
        figures["warm"], figures["warm overhead per theorem"] = warm(file)
    load = os.getloadavg()[0]

    before = {"trivial theorem": TRIVIAL_BEFORE_S, "demo proofs stage": DEMO_BEFORE_S, "10-theorem file": TRIVIAL_BEFORE_S}
    table = Table(title=f"start-up (load average {load:.1f} on {os.cpu_count()} cores; cold: median of {args.repeats})")
    for column in ("case", "before s", *(f"{k} s" for k in figures if k != "warm overhead per theorem"),
                   "cold / before", "warm / before", "warm overhead per theorem s: median / max",
                   "cold target s"):
        table.add_column(column)
    for case, ref in before.items():
        row = [case, f"{ref:.0f}"]
        row += [f"{figures[k][case]:.2f}" for k in figures if k != "warm overhead per theorem"]
        row += [f"{figures['cold'][case] / ref:.3f}", f"{figures['warm'][case] / ref:.3f}",
                "{:.2f} / {:.2f}".format(*figures["warm overhead per theorem"][case]), str(TARGETS.get(case, "-"))]
        table.add_row(*row)
    Console().print(table)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"load_average": load, "before": before, **figures}, indent=1) + "\n")


if __name__ == "__main__":
    main()
