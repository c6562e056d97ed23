"""``proofplan prove --file``: fill a file's holes, print a table (or JSON), exit 1 if any is left."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from prover.search.configs import ProverSettings
from prover.search.holes import HoleFiller, HoleResult


def fill_holes_command(file: Path, config: str, settings: ProverSettings, write: bool, learn: bool,
                       as_json: bool, console: Console) -> bool:
    """True when every hole was proved and the file re-checked."""
    from proofplan.output import echo_json

    def show(res: HoleResult) -> None:
        if as_json:
            return
        mark = "[green]proved[/green]" if res.proved else "[red]not proved[/red]"
        console.print(f"{res.name} (line {res.line}): {mark} in {res.seconds:.1f} s", highlight=False)

    with HoleFiller(config, settings, learn=learn) as filler:
        report = filler.fill_file(file, write=write, on_result=show)
    if as_json:
        echo_json({"file": report.file, "project": report.project, "config": config,
                   "proved": report.proved, "holes": [h.model_dump() for h in report.holes],
                   "rechecked": report.rechecked, "recheck_message": report.recheck_message,
                   "dropped": report.dropped, "written": report.written, "backup": report.backup,
                   "seconds": report.seconds})
        return report.rechecked and report.proved == len(report.holes)
    if not report.holes:
        console.print(f"{file}: no Admitted lemma or admit to fill")
        return report.rechecked
    table = Table(title=f"{file}: {report.proved}/{len(report.holes)} holes proved ({config})")
    for col in ("lemma", "line", "proved", "seconds", "proof"):
        table.add_column(col)
    for h in report.holes:
        table.add_row(h.name, str(h.line), "yes" if h.proved else "no", f"{h.seconds:.1f}",
                      " ".join(h.proof or []) if h.proved else (h.error or "")[:60])
    console.print(table)
    verdict = "compiles" if report.rechecked else f"does NOT compile: {report.recheck_message}"
    console.print(f"the file with the {report.proved} proof(s) put back {verdict} (coqc)")
    for name in report.dropped:
        console.print(f"[yellow]{name}: proof found but dropped (the whole file rejected it)[/yellow]")
    left = [h.name for h in report.holes if not h.proved]
    if left:
        console.print(f"still Admitted: {', '.join(left)}")
    if report.written:
        console.print(f"written to {report.written} (original kept as {report.backup})")
    elif write:
        console.print("nothing written (no proof to put back, or the file did not re-check)")
    return report.rechecked and not left
