"""``proofplan data trace-coq``: trace with a progress bar, assemble, optionally re-check."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from common.errors import ProofplanError
from proofplan.output import echo_json
from prover.coq.project import CoqProject
from prover.coq.trace_pipeline import (
    assemble,
    load_cached,
    recheck,
    run_traces,
    select_files,
)
from prover.coq.tracer import TraceSettings


def trace_command(
    out: Path,
    files: str,
    jobs: int,
    file_timeout: float,
    seed: int,
    check: int,
    corpus: str = "all",
    as_json: bool = False,
    project: CoqProject | None = None,
) -> None:
    console = Console(stderr=as_json)
    if out.exists() and not out.is_dir():
        raise ProofplanError(f"--out {out} is a file, not a folder")
    project = project or CoqProject.stdlib()
    stale = project.missing_vo() if project.kind == "folder" else []
    if stale:
        console.print(f"compiling {project.root}: {len(stale)} file(s) without an up-to-date .vo")
        project.compile(jobs=jobs)
    theories = project
    selected = select_files(theories, files)
    out.mkdir(parents=True, exist_ok=True)
    cached = sum(1 for f in selected if load_cached(out, f) is not None)
    console.print(f"{len(selected)} files selected, {cached} already traced (cache: {out / 'cache'})")
    settings = TraceSettings(file_timeout=file_timeout)
    start = time.monotonic()
    with Progress(
        TextColumn("[bold]tracing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), console=console,
    ) as progress:
        task = progress.add_task("trace", total=len(selected), completed=cached, last="")

        def done(rel: str, status: str, proofs: int, seconds: float) -> None:
            note = "" if status == "ok" else f" [red]{status}[/red]"
            progress.update(task, advance=1, last=f"{rel}: {proofs} proofs, {seconds:.1f}s{note}")

        run_traces(out, selected, theories, jobs=jobs, settings=settings, on_done=done)
    wall = time.monotonic() - start
    report = assemble(out, selected, theories, seed=seed, corpus_scope=corpus)

    table = Table(title=f"Coq trace of {project.name}: {files!r} -> {out}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("files (ok / failed)", f"{report.files_ok} / {len(report.files_failed)}")
    table.add_row("wall time of this run", f"{wall:.1f} s")
    table.add_row("proofs traced (all kinds)", str(report.proofs_traced))
    table.add_row("tactic steps", str(report.steps))
    table.add_row("Theorem/Lemma proofs traced", f"{report.share_traced} / {report.share_denominator} ({report.share:.1%})")
    table.add_row("theorems with an openable statement", str(report.with_statement))
    table.add_row("premise references (unresolved)", f"{report.premise_refs} ({report.premise_refs_unresolved})")
    for reason, n in report.untraced_reasons.most_common(8):
        table.add_row(f"  untraced: {reason}", str(n))
    for rel, why in list(report.files_failed.items())[:10]:
        table.add_row(f"  failed file {rel}", why[:80])
    console.print(table)
    res = None
    if check:
        res = recheck(out, theories, selected, None if check < 0 else check, seed=seed, jobs=jobs)
        console.print(
            f"coqc re-check of re-assembled proofs: {res.accepted}/{res.proofs} accepted "
            f"({res.files} files, {res.seconds:.1f} s)"
        )
        for rel, msg in res.failures.items():
            console.print(f"  [red]{rel}[/red]: {msg[-200:]}", highlight=False)
    if as_json:
        echo_json({"command": "data trace-coq", "project": project.to_json(), "out": str(out), "files": files,
                   "wall_seconds": round(wall, 2), "report": report, "recheck": res})
