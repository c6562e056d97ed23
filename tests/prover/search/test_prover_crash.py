"""A proof-assistant process killed mid-search: the env restarts and replays, search goes on."""

import os
import signal

import psutil

from prover.env import Theorem
from prover.models.generators.simple import FixedTacticsGenerator
from prover.search.best_first import BestFirstSearch, SearchConfig


def coqtop_children() -> list[psutil.Process]:
    """coqtop processes started by this test process (the env's)."""
    return [p for p in psutil.Process().children(recursive=True) if p.name().startswith("coqtop")]


class KillingGenerator:
    """Delegates to a real generator; before its ``kill_at``-th call it kills the env's coqtop."""

    def __init__(self, inner, kill_at: int) -> None:
        self.inner = inner
        self.kill_at = kill_at
        self.calls = 0
        self.killed: list[int] = []

    def suggest(self, state, premises, k):
        self.calls += 1
        if self.calls == self.kill_at:
            for proc in coqtop_children():
                os.kill(proc.pid, signal.SIGKILL)
                self.killed.append(proc.pid)
        return self.inner.suggest(state, premises, k)

    def suggest_batch(self, states, premises, k):
        return [self.suggest(s, p, k) for s, p in zip(states, premises, strict=True)]


def test_search_survives_a_killed_coqtop(coq_env):
    thm = Theorem("conj3", "forall P Q R : Prop, P -> Q -> R -> (P /\\ Q) /\\ R")
    tactics = ["intros.", "split.", "assumption."]
    baseline = BestFirstSearch(coq_env, FixedTacticsGenerator(tactics),
                               SearchConfig(k=3, time_limit=60, max_expansions=40)).prove(thm)
    assert baseline.status == "proved" and baseline.expansions >= 3

    gen = KillingGenerator(FixedTacticsGenerator(tactics), kill_at=3)
    restarts_before = coq_env.stats.restarts
    result = BestFirstSearch(coq_env, gen, SearchConfig(k=3, time_limit=60, max_expansions=40)).prove(thm)
    assert gen.killed, "no coqtop process was running to kill"
    assert result.status == "proved", result.error
    assert result.proof == baseline.proof  # replay restored the very same states
    assert coq_env.stats.restarts > restarts_before
    assert coq_env.verify(thm, result.proof)
    assert all(not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
               for pid in gen.killed)
