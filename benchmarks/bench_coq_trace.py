"""Benchmark the Coq tracer on the standard library: trace time, share traced, coqc re-check.

Targets (issue 7): the whole standard library traced in <= 30 minutes on 2 cores; >= 90% of
the Theorem/Lemma proofs traced completely (the rest listed with reasons); every traced proof,
re-assembled from its steps, accepted by coqc. Output goes to data/generated/ (git-ignored);
the run resumes from its per-file cache unless --fresh.

    python benchmarks/bench_coq_trace.py [--files '**/*.v'] [--jobs 2] [--fresh] [--no-check]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from common.paths import data_dir
from prover.coq.trace_pipeline import (
    assemble,
    load_cached,
    recheck,
    run_traces,
    select_files,
    theories_dir,
)
from prover.coq.tracer import TraceSettings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", default="**/*.v")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=data_dir() / "generated" / "coq_stdlib")
    ap.add_argument("--fresh", action="store_true", help="delete the cache first")
    ap.add_argument("--no-check", action="store_true", help="skip the coqc re-check")
    args = ap.parse_args()
    console = Console()
    theories = theories_dir()
    files = select_files(theories, args.files)
    if args.fresh and args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    cached = sum(1 for f in files if load_cached(args.out, f) is not None)
    done = [0]

    def progress(rel: str, status: str, proofs: int, seconds: float) -> None:
        done[0] += 1
        if done[0] % 25 == 0 or status != "ok":
            console.print(f"  [{cached + done[0]}/{len(files)}] {rel}: {status}, {proofs} proofs, {seconds:.1f}s", highlight=False)

    start = time.monotonic()
    run_traces(args.out, files, theories, jobs=args.jobs, settings=TraceSettings(file_timeout=900), on_done=progress)
    trace_wall = time.monotonic() - start
    start = time.monotonic()
    report = assemble(args.out, files, theories)
    assemble_wall = time.monotonic() - start
    check = None if args.no_check else recheck(args.out, theories, files, sample=None, jobs=args.jobs)

    table = Table(title=f"Coq standard library trace ({len(files)} files, {args.jobs} jobs)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("files traced now / from cache", f"{len(files) - cached} / {cached}", "")
    table.add_row("trace wall time (this run)", f"{trace_wall / 60:.1f} min", "<= 30 min")
    table.add_row("sum of per-file trace times", f"{report.trace_seconds / 60:.1f} min", "")
    table.add_row("assemble dataset (corpus, splits)", f"{assemble_wall:.1f} s", "")
    table.add_row("files ok / failed", f"{report.files_ok} / {len(report.files_failed)}", "")
    table.add_row("proofs traced (all kinds) / steps", f"{report.proofs_traced} / {report.steps}", "")
    table.add_row("Theorem/Lemma proofs traced completely",
                  f"{report.share_traced} / {report.share_denominator} = {report.share:.1%}", ">= 90%")
    for reason, n in report.untraced_reasons.most_common(10):
        table.add_row(f"  not traced: {reason}", str(n), "")
    table.add_row("premise references (unresolved)", f"{report.premise_refs} ({report.premise_refs_unresolved})", "")
    table.add_row("theorems with an openable statement", str(report.with_statement), "")
    if check is not None:
        table.add_row("coqc re-check of all re-assembled proofs",
                      f"{check.accepted} / {check.proofs} ({check.files} files, {check.seconds / 60:.1f} min)",
                      "all")
    console.print(table)
    for rel, why in report.files_failed.items():
        console.print(f"  failed file {rel}: {why[:150]}", highlight=False)
    if check is not None:
        for rel, msg in check.failures.items():
            console.print(f"  coqc rejected {rel}: {msg[-200:]}", highlight=False)
    summary = {"trace_wall_s": round(trace_wall, 1), "report": report.to_json(),
               "recheck": None if check is None else {"proofs": check.proofs, "accepted": check.accepted,
                                                      "files": check.files, "failures": check.failures,
                                                      "seconds": round(check.seconds, 1)}}
    (args.out / "bench_summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
