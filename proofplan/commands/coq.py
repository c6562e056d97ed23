"""CLI commands: ``proofplan prove`` (step by step) and ``proofplan data trace-coq``."""

import typer

from proofplan.apps import app


@app.command()
def prove(
    statement: str = typer.Argument(..., help="A theorem statement, or a file of theorems."),
    backend: str = typer.Option("coq", help="coq | lean-repl | lean-dojo"),
) -> None:
    """Prove a statement by best-first search (or step by step with --tactics)."""
    from proofplan.errors import ProofplanError

    raise ProofplanError("proving is not implemented yet")
