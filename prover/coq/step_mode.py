"""Step mode of ``proofplan prove --backend coq``: run given tactics, print goals after each."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from prover.coq.env import CoqEnv
from prover.env import (
    ProofFinished,
    ProofState,
    TacticError,
    TacticRejected,
    TacticTimeout,
    Theorem,
)


def run_steps(
    statement: str,
    tactics: list[str],
    context: str = "",
    name: str = "goal",
    timeout: float = 10.0,
    console: Console | None = None,
) -> bool:
    """Run ``tactics`` in order; print each state. True when the proof closes and coqc accepts it.

    Statement errors raise :class:`~prover.env.StatementError` (a one-line CLI error).
    """
    console = console or Console()
    theorem = Theorem(name=name, statement=statement, context=context)
    with CoqEnv() as env:
        state = env.open(theorem)
        console.print(Panel(state.goals, title="initial goal", expand=False))
        for i, tactic in enumerate(tactics, 1):
            try:
                result = env.run_tac(state, tactic, timeout)
            except TacticRejected as e:
                console.print(f"[red]step {i} rejected[/red] {tactic!r}: {e}", highlight=False)
                return False
            if isinstance(result, ProofState):
                state = result
                title = f"step {i}: {tactic}  ({result.num_goals} goal{'s' * (result.num_goals != 1)})"
                console.print(Panel(result.goals, title=title, expand=False), highlight=False)
            elif isinstance(result, ProofFinished):
                console.print(f"[green]step {i}: {tactic}  -> no goals[/green]", highlight=False)
                proof = env.tactics_to(result.id)
                if i < len(tactics):
                    console.print(f"[yellow]{len(tactics) - i} tactic(s) after the proof closed were not run[/yellow]")
                check = env.check_with_coqc(theorem, proof)
                if check.ok:
                    console.print(f"[green]proof complete; coqc accepts it ({check.seconds:.2f} s)[/green]")
                else:
                    console.print(f"[red]proof closed but coqc rejects it: {check.message}[/red]", highlight=False)
                return check.ok
            elif isinstance(result, TacticError):
                console.print(f"[red]step {i}: {tactic}  -> error:[/red] {result.message}", highlight=False)
                return False
            elif isinstance(result, TacticTimeout):
                console.print(f"[red]step {i}: {tactic}  -> timeout after {result.seconds:g} s[/red]", highlight=False)
                return False
        console.print(f"[yellow]proof not finished: {state.num_goals} goal(s) left[/yellow]")
        return False
