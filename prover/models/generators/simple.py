"""Model-free tactic generators.

:class:`FixedTacticsGenerator` proposes the same list of common Coq tactics for every state,
each with the uniform log-probability ``-log(len(tactics))``. It needs no trained model, so the
search and evaluation tests run without one, and it is the "no learning" point of comparison
for the learned generators.

:class:`WithAutomation` adds automation tactics (by default ``lia``, which fails in milliseconds
where ``Lia`` is not loaded or the goal is not arithmetic, and CoqHammer's ``sauto``, each under
a Coq ``timeout``) to another generator's candidates at every expansion, so the search tries to
close each state it reaches with automation as well as with the learned tactics.

:class:`AutomationAtTop` adds a costly automation tactic (CoqHammer's ``hammer``, seconds per
call) only to the first few states the search expands (the root and the best-ranked ones).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from prover.models.common import TacticCandidate

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


#: Corpus kinds of premises that state a fact a hint can use (``sauto use: p``); a definition
#: or a type there is an error, not a hint.
FACT_KINDS = frozenset({"Lemma", "Theorem", "Corollary", "Fact", "Remark", "Proposition", "Example",
                        "Axiom", "Constructor"})


class WithAutomation:
    """Another generator's candidates plus fixed automation tactics (each with ``logprob``).

    The automation tactics come after the inner generator's ``k`` candidates (so one expansion
    runs up to ``k + len(tactics)`` tactics); a tactic the generator already proposed is not
    repeated. Each of ``premise_tactics`` (``"timeout 1 hauto use: {}."``) is added as well when
    the state has retrieved premises that state facts (:data:`FACT_KINDS`): its slot gets the
    names of the first ``premise_count`` of them, so CoqHammer's reconstruction tactics search
    with the retriever's premises as ``hammer`` does with its own selection. A state whose first
    facts were already handed over together since :meth:`reset` (a child state retrieves much
    what its parent did) gets the retrieved facts not handed over yet first, so one search tries
    more of what the retriever found instead of the same call again. With ``time_limit``, the
    search runs each automation tactic for at most that many seconds.
    """

    def __init__(self, inner, tactics: Sequence[str], logprob: float = -3.0,
                 premise_tactics: Sequence[str] = (), premise_count: int = 4,
                 time_limit: float | None = None) -> None:
        self.inner = inner
        self.tactics = tuple(tactics)
        self.logprob = logprob
        self.premise_tactics = tuple(premise_tactics)
        self.premise_count = premise_count
        self.time_limit = time_limit
        self._sets: set[frozenset[str]] = set()

    def reset(self) -> None:
        """Forget which facts were handed over (a new theorem starts)."""
        self._sets.clear()
        if hasattr(self.inner, "reset"):
            self.inner.reset()

    def _with_premises(self, premises: Sequence[str]) -> list[str]:
        if not self.premise_tactics:
            return []
        facts = list(dict.fromkeys(p.full_name for p in premises if getattr(p, "kind", None) in FACT_KINDS))
        names = facts[: self.premise_count]
        if frozenset(names) in self._sets:
            handed = set().union(*self._sets)
            names = sorted(facts, key=lambda n: n in handed)[: self.premise_count]
        if not names:
            return []
        self._sets.add(frozenset(names))
        return [t.replace("{}", ", ".join(names)) for t in self.premise_tactics]

    def _extend(self, cands: list[TacticCandidate], premises: Sequence[str] = ()) -> list[TacticCandidate]:
        have = {c.tactic.strip() for c in cands}
        extra = [*self.tactics, *self._with_premises(premises)]
        return cands + [TacticCandidate(t, self.logprob, self.time_limit) for t in extra if t not in have]

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return self._extend(list(self.inner.suggest(state, premises, k)), premises)

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]:
        batches = self.inner.suggest_batch(states, premises, k)
        return [self._extend(list(c), p) for c, p in zip(batches, premises, strict=True)]


class AutomationAtTop(WithAutomation):
    """Another generator's candidates, plus ``tactics`` (after them, each with ``logprob``) at the
    first ``states`` expansions since :meth:`reset` (call it when a new theorem starts)."""

    def __init__(self, inner, tactics: Sequence[str] = ("hammer.",), states: int = 3,
                 logprob: float = -3.0) -> None:
        super().__init__(inner, tactics, logprob)
        self.states = states
        self.offered = 0

    def reset(self) -> None:
        self.offered = 0
        super().reset()

    def _extend(self, cands: list[TacticCandidate], premises: Sequence[str] = ()) -> list[TacticCandidate]:
        if self.offered >= self.states:
            return cands
        self.offered += 1
        return super()._extend(cands, premises)
