"""Shared types of the model stages: tactic candidates, and the generator/progress seams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from prover.models.progress_context import StateContext


@dataclass(frozen=True)
class TacticCandidate:
    """A proposed tactic with its sequence log-probability (or a score on the same scale), and
    the seconds it may run when that is less than the search's per-tactic limit (automation that
    either closes a goal quickly or not at all)."""

    tactic: str
    logprob: float
    time_limit: float | None = None


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


@runtime_checkable
class ContextProgressModel(ProgressModel, Protocol):
    """A progress model that also reads how the search reached each state: the tactics run from
    the root and the state the last one ran on (:class:`~prover.models.progress_context.StateContext`).
    Best-first search passes them, for the new states of one expansion in one batch."""

    reads_context: bool

    def remaining_steps_in_context(self, states: Sequence[str], contexts: Sequence[StateContext | None]) -> list[float]: ...
