"""CLI commands: ``proofplan prove`` (step by step) and ``proofplan data trace-coq``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from proofplan.apps import app, data_app
from proofplan.output import JSON_HELP
from prover.search import defaults as search_defaults

if TYPE_CHECKING:
    from rich.console import Console

    from prover.search.configs import ProverSettings


@app.command(context_settings={"ignore_unknown_options": True})
def prove(
    statement: str | None = typer.Argument(None, help="A theorem statement, e.g. 'forall n : nat, n + 0 = n'."),
    tactic_args: list[str] | None = typer.Argument(
        None, metavar="[TACTIC]...", help="The tactics (after --tactics), run in order."
    ),
    backend: str = typer.Option("coq", help="coq | lean-repl | lean-dojo"),
    tactics: bool = typer.Option(
        False, "--tactics", help="Step mode: run the TACTIC arguments in order, showing the goals after each."
    ),
    context: str = typer.Option(
        "", help="Imports the statement needs, e.g. 'Require Import Arith. Require Import Lia.'"
    ),
    name: str = typer.Option("goal", help="The theorem's name inside the proof assistant."),
    timeout: float = typer.Option(10.0, min=0.01, help="Time limit of one tactic, in seconds."),
    config: str = typer.Option(
        search_defaults.CONFIG,
        help="Search: fixed | logprob | logprob+retrieval | logprob+retrieval+progress (add "
        "+sauto to also try CoqHammer's sauto at every state, then +hammer to try its hammer at "
        "the first states), or one automation tactic: auto | intuition | lia | firstorder | "
        "sauto | best | hammer.",
    ),
    budget_seconds: float = typer.Option(20.0, min=0.1, help="Search: wall-clock budget per theorem."),
    max_expansions: int | None = typer.Option(None, min=1, help="Search: expansion budget per theorem."),
    k: int = typer.Option(search_defaults.K, min=1, help="Search: tactics generated per expansion."),
    progress_weight: float = typer.Option(
        search_defaults.PROGRESS_WEIGHT, min=0.0, help="Search: lambda in priority = logprob_sum - lambda * predicted_remaining."
    ),
    generator: str = typer.Option("mixture", help="Search: learned generator byt5 | knn | mixture."),
    models_dir: Path | None = typer.Option(None, help="Search: trained models folder (default data/models)."),
    dataset: Path | None = typer.Option(
        None, help="Search: dataset whose premise corpus the retriever searches (default data/coq/sample)."
    ),
    tree: Path | None = typer.Option(None, help="Search: draw the search tree to this .svg/.png/.pdf file."),
    out: Path | None = typer.Option(None, help="Search: append one JSON line per theorem here (reruns resume)."),
    file: Path | None = typer.Option(
        None, "--file", help="Prove the Admitted. lemmas (and those using admit.) of this .v file where they stand."
    ),
    write: bool = typer.Option(False, "--write", help="--file: put the proofs found into the file (the original kept as FILE.bak)."),
    learn: bool = typer.Option(
        True, "--learn/--no-learn",
        help="--file: trace the file's project so retrieval sees its own lemmas and the k-NN memory its earlier proofs.",
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Prove a statement, or every theorem of a .v/.json/.jsonl file, by best-first search; or
    step by step: prove STATEMENT --tactics TACTIC... (goals after each).

    Tactics may start with a bullet ('- simpl.'); give no short options after --tactics.
    """
    from common.errors import ProofplanError
    from proofplan.output import console as make_console
    from proofplan.output import echo_json

    console = make_console(as_json)

    if file is not None:
        if statement is not None or tactics:
            raise ProofplanError("--file proves the holes of a file: give no STATEMENT or --tactics with it")
        from proofplan.commands.holes import fill_holes_command
        from prover.search.configs import ProverSettings

        settings = ProverSettings(time_limit=budget_seconds, max_expansions=max_expansions, k=k,
                                  tactic_timeout=timeout, progress_weight=progress_weight,
                                  models_dir=models_dir, generator=generator, dataset_dir=dataset)
        if not fill_holes_command(file, config, settings, write=write, learn=learn, as_json=as_json,
                                  console=console):
            raise typer.Exit(1)
        return
    if statement is None:
        raise ProofplanError("give a STATEMENT to prove (or --file FILE.v to fill a file's Admitted lemmas)")
    steps = list(tactic_args or [])
    if steps and not tactics:
        raise ProofplanError("give tactics after --tactics: prove 'STATEMENT' --tactics 'intros.' 'lia.'")
    if backend != "coq":
        raise ProofplanError(f"backend {backend!r} is not available for step mode here (use --backend coq)")
    if not steps:
        if tactics:
            raise ProofplanError("--tactics needs at least one tactic: prove 'STATEMENT' --tactics 'intros.'")
        from common.paths import data_dir
        from prover.search.configs import ProverSettings
        from prover.search.mode import run_search_mode

        settings = ProverSettings(
            time_limit=budget_seconds,
            max_expansions=max_expansions,
            k=k,
            tactic_timeout=timeout,
            progress_weight=progress_weight,
            models_dir=models_dir,
            generator=generator,
            dataset_dir=dataset or data_dir() / "coq" / "sample",
        )
        if not as_json:
            if not run_search_mode(statement, config, settings, context=context, name=name, tree=tree,
                                   out=out, console=console):
                raise typer.Exit(1)
            return
        ok = _search_as_json(statement, config, settings, context, name, tree, out, console)
        if not ok:
            raise typer.Exit(1)
        return
    from prover.coq.step_mode import run_steps

    ok = run_steps(statement, steps, context=context, name=name, timeout=timeout, console=console)
    if as_json:
        echo_json({"mode": "steps", "statement": statement, "context": context, "tactics": steps,
                   "proved": ok})
    if not ok:
        raise typer.Exit(1)


def _search_as_json(statement: str, config: str, settings: ProverSettings, context: str, name: str,
                    tree: Path | None, out: Path | None, console: Console) -> bool:
    """Search mode with ``--json``: the records of this run's theorems as one JSON document.

    The records are those the search mode writes to ``--out`` (a temporary file without it).
    """
    import tempfile

    from proofplan.output import echo_json
    from prover.search.evaluation import read_results, theorem_id
    from prover.search.mode import run_search_mode, theorems_of

    with tempfile.TemporaryDirectory(prefix="proofplan-prove-") as tmp:
        path = out if out is not None else Path(tmp) / "results.jsonl"
        ok = run_search_mode(statement, config, settings, context=context, name=name, tree=tree,
                             out=path, console=console)
        wanted = {theorem_id(t) for t in theorems_of(statement, context, name)}
        records: dict[str, object] = {}
        for r in read_results(path):
            if r.config == config and r.name in wanted:
                records.setdefault(r.name, r)
    echo_json({"mode": "search", "config": config, "proved": ok, "results_file": str(out) if out else None,
               "records": list(records.values())})
    return ok


@data_app.command("trace-coq")
def trace_coq(
    out: Path = typer.Option(..., "--out", help="Output dataset folder (LeanDojo layout)."),
    files: str = typer.Option(
        "**/*.v", "--files", help="Globs of files relative to the traced root (theories/, the library or the "
        "project folder), comma-separated (e.g. 'Arith/*.v')."
    ),
    library: str | None = typer.Option(
        None, "--library", help="Trace an installed library under user-contrib instead (e.g. Flocq, MathClasses)."
    ),
    project: Path | None = typer.Option(
        None, "--project", help="Trace a project folder instead (_CoqProject or dune; compiled first if .vo are missing)."
    ),
    jobs: int = typer.Option(2, "--jobs", min=1, help="Files traced in parallel."),
    file_timeout: float = typer.Option(600.0, help="Give up on a file after this many seconds."),
    seed: int = typer.Option(3407, help="Seed of the random / novel_premises splits."),
    check: int = typer.Option(0, help="Re-check this many random traced proofs with coqc (-1: all)."),
    corpus: str = typer.Option(
        "", help="Premise corpus: all files of the project and what it may load, or those reachable from the traced "
        "files (default: all for the standard library, reachable for a library or project)."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Trace the Coq standard library, an installed library (--library) or a project folder
    (--project) into a LeanDojo-format dataset (resumable, parallel)."""
    from common.errors import ProofplanError
    from proofplan.commands.coq_trace import trace_command
    from prover.coq.project import CoqProject

    if library and project:
        raise ProofplanError("give --library or --project, not both")
    target = CoqProject.library(library) if library else CoqProject.folder(project) if project else CoqProject.stdlib()
    trace_command(out, files, jobs, file_timeout, seed, check, corpus or ("all" if target.kind == "stdlib" else "reachable"),
                  as_json=as_json, project=target)
