"""Benchmark the Coq ProofEnv: tactic round trips per second and restart + replay time.

Round trip: ``run_tac`` of a simple tactic on an earlier state, so every call goes ``BackTo``
that state, runs the tactic and ``Show`` (a fresh branch each time). Restart + replay: kill
coqtop, then run a tactic on a state 10 tactics deep: the env restarts coqtop, reloads the
context and statement, replays the 10 tactics and runs the new one.
Targets (issue 6): >= 300 round trips/s; restart + replay of a 10-step state <= 0.5 s.
"""

from __future__ import annotations

import os
import signal
import statistics
import time

from rich.console import Console
from rich.table import Table

from prover.coq.env import CoqEnv
from prover.env import ProofState, Theorem

THEOREM = Theorem(
    "bench_thm",
    "forall (n m : nat) (l : list nat), n + m = m + n /\\ l ++ nil = l /\\ (True -> True)",
    "Require Import Arith. Require Import List.",
)
BARE = Theorem("bench_bare", THEOREM.statement.replace("l ++ nil", "app l nil"))
TEN_STEPS = [
    "intros n m l.", "split.", "induction n; simpl; [auto | rewrite IHn; apply plus_n_Sm].", "split.", "induction l.", "simpl.",
    "reflexivity.", "simpl.", "rewrite IHl.", "reflexivity.",
]


def round_trips(env: CoqEnv, tactic: str, seconds: float = 2.0) -> tuple[float, int]:
    s0 = env.open(THEOREM)
    s1 = env.run_tac(s0, "intros n m l.")
    assert isinstance(s1, ProofState)
    base = env.run_tac(s1, "split.")
    assert isinstance(base, ProofState)
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.run_tac(base if n % 2 else s1, tactic)  # alternate parents: always a new branch
        n += 1
    return n / (time.perf_counter() - start), n


def restart_replay(env: CoqEnv, theorem: Theorem, repeats: int = 10) -> list[float]:
    times = []
    for _ in range(repeats):
        state = env.open(theorem)
        for t in TEN_STEPS[:-1]:
            r = env.run_tac(state, t)
            assert isinstance(r, ProofState), (t, r)
            state = r
        os.kill(env.coqtop.pid, signal.SIGKILL)
        env.coqtop.proc.wait()  # type: ignore[union-attr]
        start = time.perf_counter()
        r = env.run_tac(state, TEN_STEPS[-1])  # restart, replay 9, run the 10th
        times.append(time.perf_counter() - start)
        assert not isinstance(r, ProofState) or r.num_goals >= 0
    return times


def main() -> None:
    console = Console()
    table = Table(title="Coq ProofEnv (coqtop -emacs, one core)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    with CoqEnv() as env:
        round_trips(env, "simpl.", 0.5)  # warm up
        for tac in ("intros.", "simpl.", "auto."):
            rate, n = round_trips(env, tac)
            table.add_row(f"run_tac '{tac}' on a fresh branch (BackTo + tactic + Show), {n} calls",
                          f"{rate:,.0f} /s", ">= 300 /s")
        for label, thm in (("context 'Require Import Arith. Require Import List.'", THEOREM),
                           ("no context (prelude only)", BARE)):
            times = restart_replay(env, thm)
            table.add_row(f"kill + restart + replay of a 10-step state, {label} (median of 10)",
                          f"{statistics.median(times) * 1000:.0f} ms", "<= 500 ms")
            table.add_row("  max of 10", f"{max(times) * 1000:.0f} ms", "")
        table.add_row("restarts counted by the env", str(env.stats.restarts), "")
    console.print(table)


if __name__ == "__main__":
    main()
