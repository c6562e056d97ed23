"""Shared types of the model stages: tactic candidates, and the generator/progress seams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class TacticCandidate:
    """A proposed tactic with its sequence log-probability (or a score on the same scale)."""

    tactic: str
    logprob: float


@runtime_checkable
class TacticGenerator(Protocol):
    """Proposes tactics for a pretty-printed goal state, best first."""

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]: ...

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]: ...


@runtime_checkable
class ProgressModel(Protocol):
    """Estimates how many tactic steps remain to close a goal state (LeanProgress)."""

    def remaining_steps(self, state: str) -> float: ...
