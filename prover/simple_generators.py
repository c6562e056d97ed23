"""A model-free baseline :class:`~prover.common.TacticGenerator`.

:class:`FixedTacticsGenerator` proposes the same list of common Coq tactics for every state,
each with the uniform log-probability ``-log(len(tactics))``. It needs no trained model, so the
search and evaluation tests run without one, and it is the "no learning" point of comparison
for the learned generators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from prover.common import TacticCandidate

#: Common closing and simplifying tactics; none names a hypothesis or variable.
DEFAULT_COQ_TACTICS: tuple[str, ...] = (
    "intros.",
    "reflexivity.",
    "simpl.",
    "auto.",
    "split.",
    "lia.",
    "congruence.",
    "intuition.",
    "constructor.",
    "trivial.",
    "assumption.",
    "left.",
    "right.",
    "discriminate.",
    "eauto.",
    "firstorder.",
)


class FixedTacticsGenerator:
    """Suggests the first ``k`` tactics of a fixed list, all with the same log-probability."""

    def __init__(self, tactics: Sequence[str] = DEFAULT_COQ_TACTICS) -> None:
        if not tactics:
            raise ValueError("FixedTacticsGenerator needs at least one tactic")
        self.tactics = tuple(tactics)
        self.logprob = -math.log(len(self.tactics))

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return [TacticCandidate(t, self.logprob) for t in self.tactics[:k]]

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]:
        return [self.suggest(s, p, k) for s, p in zip(states, premises, strict=True)]
