"""CLI command: ``proofplan demo``, the main job that ``make run`` runs on bundled examples."""

from proofplan.apps import app


@app.command()
def demo() -> None:
    """Run every stage on bundled examples: proofs, a trip, an unsatisfiable trip, an API plan."""
    from rich.console import Console

    Console().print("[bold]proofplan demo[/bold]: no stages yet")
