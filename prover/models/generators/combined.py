"""Mixing several tactic generators: a weighted mixture of their distributions.

Each generator's candidates are read as probabilities ``exp(logprob)``; a tactic's combined
probability is ``sum_i w_i * p_i(tactic)`` (weights normalised to 1), so a tactic proposed by
both the seq2seq model and the k-NN index rises above one proposed by either alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from prover.models.common import TacticCandidate, TacticGenerator


class MixtureGenerator:
    """A :class:`prover.models.common.TacticGenerator` over other generators."""

    def __init__(self, generators: Sequence[TacticGenerator], weights: Sequence[float] | None = None) -> None:
        if not generators:
            raise ValueError("a mixture needs at least one generator")
        weights = list(weights) if weights is not None else [1.0] * len(generators)
        if len(weights) != len(generators) or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("one non-negative weight per generator, not all zero")
        total = sum(weights)
        self.generators = list(generators)
        self.log_weights = [math.log(w / total) if w > 0 else -math.inf for w in weights]

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return self.suggest_batch([state], [premises], k)[0]

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]:
        per_generator = [g.suggest_batch(states, premises, k) for g in self.generators]
        return [
            mix([lists[i] for lists in per_generator], self.log_weights, k) for i in range(len(states))
        ]


def mix(candidate_lists: Sequence[Sequence[TacticCandidate]], log_weights: Sequence[float], k: int) -> list[TacticCandidate]:
    """The ``k`` best tactics of the weighted mixture, log-probabilities sorted descending."""
    terms: dict[str, list[float]] = {}
    for candidates, log_w in zip(candidate_lists, log_weights, strict=True):
        if log_w == -math.inf:
            continue
        for c in candidates:
            terms.setdefault(c.tactic, []).append(log_w + c.logprob)
    scored = [(t, _logsumexp(v)) for t, v in terms.items()]
    scored.sort(key=lambda item: item[1], reverse=True)
    return [TacticCandidate(t, s) for t, s in scored[:k]]


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))
