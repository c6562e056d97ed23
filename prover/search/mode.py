"""Search mode of ``proofplan prove``: best-first search on one statement or a file of theorems.

Prints each theorem's outcome and its proof as a Coq script, optionally draws the search tree
(``--tree out.svg``; one file per theorem when there are several) and writes one JSON line per
theorem (``--out``; a rerun skips the theorems already there).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from prover.env import Theorem
from prover.search.best_first import SearchResult, draw_tree
from prover.search.configs import ProverSettings, build_prover, check_config
from prover.search.evaluation import evaluate, theorem_id
from prover.search.quick import QuickFirst

THEOREM_FILE_SUFFIXES = (".v", ".json", ".jsonl")


def theorems_of(target: str, context: str = "", name: str = "goal") -> list[Theorem]:
    """One theorem from a statement, or every theorem of a ``.v``/``.json``/``.jsonl`` file."""
    if target.strip().lower().endswith(THEOREM_FILE_SUFFIXES) and " " not in target.strip():
        from prover.data.theorem_files import read_theorem_file

        return read_theorem_file(target.strip())
    return [Theorem(name=name, statement=target, context=context)]


def tree_path(base: Path, theorem: Theorem, several: bool) -> Path:
    if not several:
        return base
    return base.with_name(f"{base.stem}-{theorem.name}{base.suffix}")


def proof_script(theorem: Theorem, proof: list[str]) -> str:
    """``proof`` as a Coq script: ``Theorem NAME : STATEMENT. Proof. ... Qed.``, a tactic a line."""
    body = "\n".join(f"  {t}" for t in proof)
    return f"Theorem {theorem.name} : {theorem.statement.strip().rstrip('.')}.\nProof.\n{body}\nQed."


def report(console: Console, result: SearchResult) -> None:
    thm = result.theorem
    head = (f"{theorem_id(thm)}: {result.status} in {result.time:.2f} s, "
            f"{result.expansions} expansions, {result.tactics_run} tactics run")
    if result.proved:
        console.print(f"[green]{head}[/green]", highlight=False)
        console.print(proof_script(thm, result.proof or []), highlight=False, markup=False)
    else:
        extra = f" ({result.error})" if result.error else ""
        console.print(f"[red]{head}{extra}[/red]", highlight=False)
    if result.rejected_proofs:
        console.print(f"[yellow]{result.rejected_proofs} proof(s) found but rejected by the re-check[/yellow]")


def run_search_mode(
    target: str,
    config: str,
    settings: ProverSettings,
    context: str = "",
    name: str = "goal",
    tree: Path | None = None,
    out: Path | None = None,
    console: Console | None = None,
) -> bool:
    """Search for proofs; True when every theorem was proved (and re-checked)."""
    from prover.coq import CoqEnv

    console = console or Console()
    check_config(config)
    theorems = theorems_of(target, context, name)
    several = len(theorems) > 1
    outcomes: dict[str, bool] = {}

    with CoqEnv() as env:
        # lia and sauto try each root before the configuration's models load (prover.search.quick)
        prover = QuickFirst(config, env, settings, lambda: build_prover(config, env, settings))

        def prove_and_report(thm: Theorem) -> SearchResult:
            result = prover(thm)
            report(console, result)
            outcomes[theorem_id(thm)] = result.proved
            if tree is not None:
                drawn = draw_tree(result.tree, tree_path(tree, thm, several))
                console.print(f"search tree: {drawn}")
            return result

        if out is not None:
            summary = evaluate(theorems, prove_and_report, out, config, show_progress=False)
            console.print(f"{summary.proved}/{summary.total} proved ({config}); results in {out}")
            return summary.proved == summary.total
        for thm in theorems:
            prove_and_report(thm)
    if several:
        console.print(f"{sum(outcomes.values())}/{len(theorems)} proved ({config})")
    return all(outcomes.values())
