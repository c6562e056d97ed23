"""Coq automation tried as a whole proof: the baselines the search is measured against.

Each baseline opens the theorem, runs one tactic (``auto.``, ``intuition.``, ``lia.``,
``firstorder.``, CoqHammer's ``sauto.``, ``best.`` or ``hammer.``) on the initial state with the whole
per-theorem budget as its timeout, and counts the theorem as proved only if that closes every
goal and ``ProofEnv.verify`` accepts the one-line proof in a fresh process. The libraries a
tactic needs (``Lia``, CoqHammer's ``Tactics``) are added to the theorem's context; for
``hammer``, also the limits that fit its external provers and reconstruction into the budget
(:func:`prover.search.hammer.hammer_context`), and the proof reported and re-checked is the
reconstruction tactic hammer printed, not ``hammer.`` itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import networkx as nx

from prover.env import (
    ProofEnv,
    ProofFinished,
    ProofState,
    ProverError,
    TacticError,
    TacticTimeout,
    Theorem,
)
from prover.search.best_first import ProofChecker, SearchResult
from prover.search.hammer import HAMMER_IMPORT, HAMMER_TACTIC, HammerWarmup, hammer_context

#: Tactic sentence and the import it needs, per baseline name.
AUTOMATION: dict[str, tuple[str, str]] = {
    "auto": ("auto.", ""),
    "intuition": ("intuition.", ""),
    "lia": ("lia.", "Require Import Lia."),
    "firstorder": ("firstorder.", ""),
    "sauto": ("sauto.", "From Hammer Require Import Tactics."),
    "best": ("best.", "From Hammer Require Import Tactics."),
    "hammer": (HAMMER_TACTIC, HAMMER_IMPORT),
}


def automation_context(name: str, time_limit: float, theorem: Theorem | None = None) -> str:
    """The context lines baseline ``name`` adds to ``theorem`` run within ``time_limit`` seconds."""
    return hammer_context(time_limit, theorem) if name == "hammer" else AUTOMATION[name][1]


def with_import(theorem: Theorem, line: str) -> Theorem:
    """``theorem`` with ``line`` appended to its context (unchanged if already there)."""
    if not line or line in theorem.context:
        return theorem
    context = f"{theorem.context.rstrip()}\n{line}" if theorem.context.strip() else line
    return replace(theorem, context=context)


@dataclass
class AutomationBaseline:
    """Proves with one automation tactic; a ``Prover`` for :func:`prover.search.evaluation.evaluate`."""

    env: ProofEnv
    name: str
    time_limit: float = 20.0
    verify: bool = True
    checker: ProofChecker | None = None

    def __post_init__(self) -> None:
        if self.name not in AUTOMATION:
            raise ValueError(f"unknown automation baseline {self.name!r}; one of {', '.join(AUTOMATION)}")
        self.warmup = HammerWarmup(self.env) if self.name == "hammer" else None

    @property
    def tactic(self) -> str:
        return AUTOMATION[self.name][0]

    def __call__(self, theorem: Theorem) -> SearchResult:
        tactic = AUTOMATION[self.name][0]
        thm = with_import(theorem, automation_context(self.name, self.time_limit, theorem))
        warmup = self.warmup(thm) if self.warmup is not None else None
        start = time.monotonic()
        tree = nx.DiGraph(theorem=theorem.name, statement=theorem.statement)

        def done(status, proof=None, error=None, tactics=0, t_proof=None, rejected=0) -> SearchResult:
            return SearchResult(theorem, status, proof, tree, 1 if tactics else 0, tactics,
                                time.monotonic() - start, t_proof, rejected, error,
                                {} if warmup is None else {"hammer_warmup": warmup})

        try:
            root = self.env.open(thm)
        except ProverError as exc:
            return done("error", error=f"{type(exc).__name__}: {exc}")
        tree.add_node(0, goals=root.goals, num_goals=root.num_goals, depth=0, kind="expanded")
        left = self.time_limit - (time.monotonic() - start)
        if left <= 0:
            return done("time_budget")
        t0 = time.monotonic()
        try:
            outcome = self.env.run_tac(root, tactic, timeout=left)
        except ProverError as exc:
            return done("error", error=f"{type(exc).__name__}: {exc}", tactics=1)
        kind = {ProofFinished: "proved", ProofState: "open", TacticError: "error",
                TacticTimeout: "timeout"}[type(outcome)]
        tree.add_node(1, depth=1, kind=kind, goals=getattr(outcome, "goals", ""))
        tree.add_edge(0, 1, tactic=tactic, logprob=0.0, seconds=time.monotonic() - t0)
        if not isinstance(outcome, ProofFinished):
            status = "time_budget" if isinstance(outcome, TacticTimeout) else "exhausted"
            return done(status, tactics=1)
        found = time.monotonic() - start
        tactics_to = getattr(self.env, "tactics_to", None)
        proof = tactics_to(outcome.id) if tactics_to is not None else [tactic]
        tree.nodes[1]["proof"] = proof
        if self.verify:
            try:
                ok = (self.checker or self.env.verify)(thm, proof)
            except ProverError:
                ok = False
            tree.nodes[1]["verified"] = ok
            if not ok:
                tree.nodes[1]["kind"] = "rejected"
                return done("exhausted", tactics=1, rejected=1)
        return done("proved", proof, tactics=1, t_proof=found)
