"""Cheapest first: a configuration's model-free automation tries the root before any model loads.

A ``+sauto`` configuration tries ``lia`` and CoqHammer's ``sauto`` at every state it expands,
the root included. :class:`QuickFirst` runs those two at the root first, on their own (half a
second each at most), and builds the full prover (loading its generator, retriever and progress
model: seconds of imports and weights) only for the first theorem they do not close. So
``proofplan prove`` answers an easy theorem in about a second, and a theorem that needs the
search gets exactly the search it would have had, with its whole budget, after at most the two
quick tactics' time (``timings["quick"]``). Benchmark runs do not use it: their figures stay
those of the configuration's search alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from prover.env import ProofEnv, Theorem
from prover.models.generators.simple import FixedTacticsGenerator
from prover.search.best_first import BestFirstSearch, SearchConfig, SearchResult
from prover.search.configs import (
    AUTOMATION_CONFIGS,
    ProverSettings,
    automation_tactics,
    theorem_as_proved,
)
from prover.search.evaluation import Prover


def quick_tactics(config: str, settings: ProverSettings) -> tuple[str, ...]:
    """The model-free tactics ``config`` tries at every state: ``lia`` and ``sauto`` for a
    ``+sauto`` search configuration, none otherwise."""
    if config in AUTOMATION_CONFIGS or "sauto" not in config.split("+"):
        return ()
    return automation_tactics(settings.sauto_timeout)


@dataclass
class QuickFirst:
    """A :data:`~prover.search.evaluation.Prover` that tries :func:`quick_tactics` at the root,
    then, when they do not close it, the full prover that ``build`` makes (once, on first need)."""

    config: str
    env: ProofEnv
    settings: ProverSettings
    build: Callable[[], Prover]
    _full: Prover | None = field(default=None, repr=False)

    @property
    def loaded(self) -> bool:
        """Whether the full prover (and its models) has been built."""
        return self._full is not None

    def full(self) -> Prover:
        if self._full is None:
            self._full = self.build()
        return self._full

    def quick(self, theorem: Theorem) -> SearchResult | None:
        """The quick tactics' search of ``theorem`` (stated as the configuration states it, so
        its proof is re-checked in the same context); None when the configuration has none."""
        tactics = quick_tactics(self.config, self.settings)
        if not tactics:
            return None
        config = SearchConfig(k=len(tactics), max_k=len(tactics), max_expansions=1,
                              time_limit=self.settings.time_limit,
                              tactic_timeout=min(self.settings.tactic_timeout, self.settings.sauto_timeout),
                              max_repairs=0)
        search = BestFirstSearch(self.env, FixedTacticsGenerator(tactics), config)
        return search.prove(theorem_as_proved(self.config, theorem, self.settings))

    def __call__(self, theorem: Theorem) -> SearchResult:
        first = self.quick(theorem)
        # proved, or a statement or context Coq refuses (the full search would open it the same way)
        if first is not None and (first.proved or (first.status == "error" and first.tactics_run == 0)):
            return replace(first, timings={**first.timings, "quick": first.time})
        result = self.full()(theorem)
        if first is None:
            return result
        return replace(result, timings={**result.timings, "quick": first.time})
