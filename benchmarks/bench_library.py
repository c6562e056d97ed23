"""Prover on libraries it was never trained on: the default search, ``hammer`` alone and the
default without online learning, on a seeded random sample of each library's theorems.

    python benchmarks/bench_library.py --library Flocq --library MathClasses --sample 100

For each library: trace it (``proofplan data trace-coq --library NAME``, cached under
``data/generated/lib_<NAME>``), build its premise index once, then run the configurations with
``benchmarks/bench_prover.py`` (file prefix, ``--budget-seconds`` each, one torch thread),
``--parallel`` of them side by side, each writing its JSONL as it goes (a rerun resumes). Then
prints, per library: proved of the sample, the default's ratio to ``hammer`` alone and to itself
without online learning, and proofs failing the audit (bench_prover's own re-check column).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from common.paths import REPO_ROOT, data_dir  # noqa: E402
from prover.search import defaults as search_defaults  # noqa: E402
from prover.search.evaluation import load_benchmark_run, read_results, theorem_id  # noqa: E402

BENCH = REPO_ROOT / "benchmarks" / "bench_prover.py"
#: (row name, configuration, extra bench_prover flags, results-file suffix)
RUNS = (
    ("default", search_defaults.CONFIG, (), ""),
    ("hammer alone", "hammer", (), ""),
    ("default, online learning off", search_defaults.CONFIG, ("--no-online-learning",), "_offline"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--library", action="append", required=True, help="an installed library (repeatable)")
    p.add_argument("--sample", type=int, default=100)
    p.add_argument("--sample-seed", type=int, default=0)
    p.add_argument("--part", choices=("test", "val"), default="test",
                   help="test: the reported sample; val: a disjoint one for any choice")
    p.add_argument("--budget-seconds", type=float, default=20.0)
    p.add_argument("--parallel", type=int, default=2, help="searches side by side (one core each)")
    p.add_argument("--runs", default=";".join(r[0] for r in RUNS), help="which rows to run, separated by ';'")
    p.add_argument("--report-only", action="store_true", help="print the table from the results files")
    return p.parse_args(argv)


def dataset_of(library: str) -> Path:
    return data_dir() / "generated" / f"lib_{library}"


def results_path(out_dir: Path, config: str, suffix: str, args: argparse.Namespace) -> Path:
    return out_dir / f"{config.replace('+', '_')}{suffix}_prefix_sample{args.sample}-{args.sample_seed}-{args.part}.jsonl"


def prepare(library: str, console: Console) -> Path:
    data = dataset_of(library)
    if not (data / "metadata.json").is_file():
        console.print(f"tracing {library} into {data}")
        subprocess.run([sys.executable, "-m", "proofplan.cli", "data", "trace-coq", "--library", library,
                        "--out", str(data), "--jobs", "2"], check=True)
    from prover.models.defaults import premise_source

    premise_source(None, data)  # builds and caches the premise index once, before the searches
    return data


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(width=max(120, Console().width))
    wanted = [r.strip() for r in args.runs.split(";") if r.strip()]
    runs = [r for r in RUNS if r[0] in wanted]
    jobs: list[tuple[str, list[str]]] = []
    for library in args.library:
        data = prepare(library, console) if not args.report_only else dataset_of(library)
        out_dir = data_dir() / "generated" / "bench_library" / library
        for _, config, flags, _ in runs:
            cmd = [sys.executable, str(BENCH), "--data", str(data), "--sample", str(args.sample),
                   "--sample-seed", str(args.sample_seed), "--part", args.part, "--limit", str(args.sample),
                   "--budget-seconds", str(args.budget_seconds), "--configs", config, "--out-dir", str(out_dir),
                   *flags]
            jobs.append((f"{library} {config}{' '.join(flags)}", cmd))
    if not args.report_only:
        logs = data_dir() / "generated" / "bench_library"
        logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}

        def run(job: tuple[str, list[str]]) -> int:
            name, cmd = job
            console.print(f"start: {name}")
            with open(logs / (name.replace(" ", "_").replace("+", "_") + ".log"), "w") as log:
                code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
            console.print(f"done ({code}): {name}")
            return code

        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            list(pool.map(run, jobs))
    table = Table(title=f"libraries never trained on: seeded sample of {args.sample} (seed {args.sample_seed}, "
                        f"{args.part}), {args.budget_seconds:g} s each, file prefix")
    for col in ("library", "run", "proved", "share", "vs hammer alone", "vs online off"):
        table.add_column(col)
    for library in args.library:
        out_dir = data_dir() / "generated" / "bench_library" / library
        theorems = load_benchmark_run(dataset_of(library), sample=args.sample, sample_seed=args.sample_seed,
                                      part=args.part).theorems
        ids = {theorem_id(t) for t in theorems}
        proved: dict[str, int] = {}
        done: dict[str, int] = {}
        for name, config, _, suffix in runs:
            path = results_path(out_dir, config, suffix, args)
            recs = [r for r in read_results(path) if r.config == config and r.name in ids] if path.is_file() else []
            proved[name], done[name] = sum(r.proved for r in recs), len(recs)
        for name, _, _, _ in runs:
            ratio_h = (f"{proved[name] / proved['hammer alone']:.2f}x" if proved.get("hammer alone") else "-")
            off = "default, online learning off"
            ratio_o = f"{proved[name] / proved[off]:.2f}x" if proved.get(off) else "-"
            table.add_row(library, name, f"{proved[name]}/{done[name]}" + ("" if done[name] == len(ids) else f" of {len(ids)}"),
                          f"{proved[name] / len(ids):.0%}", ratio_h, ratio_o)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
