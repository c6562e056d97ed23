"""Does a progress model rank the search frontier right? Scored on proved search trees.

Same-proof order (states of one traced proof) is what a depth input makes easy: deeper is
closer there. Best-first search compares states of different branches and depths, most of
them dead ends. From the trees of ``proofplan data search-pairs`` (proved theorems: the proof
path, and the states off it), each proof-path state but the root (expanded first, it never
waits in the queue beside another state) is paired with each off-path state and the
pair counts as right when the path state gets fewer predicted steps (ties one half), apart by
where the off-path state lies:

* ``siblings``: children of the same expansion (same parent and depth);
* ``same depth``, ``deeper``, ``shallower``: any off-path state at the same, a greater or a
  smaller depth than the path state. ``deeper`` is where a depth input can mislead: a dead
  end deep in the tree looks closer to the end than a path state near the root.

An off-path state is not wrong for sure (another proof may pass through it); it is where this
search did not find one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from prover.models.progress_context import StateContext
from prover.search.pairs import TreeRecord

RELATIONS = ("siblings", "same depth", "deeper", "shallower")


@dataclass(frozen=True)
class FrontierScore:
    relation: str
    pairs: int
    accuracy: float


def _estimates(model, states: list[str], contexts: list[StateContext]) -> np.ndarray:
    if getattr(model, "reads_context", False):
        return np.asarray(model.remaining_steps_in_context(states, contexts), dtype=np.float64)
    batch = getattr(model, "remaining_steps_batch", None)
    if callable(batch):
        return np.asarray(batch(states), dtype=np.float64)
    return np.asarray([model.remaining_steps(s) for s in states], dtype=np.float64)


def frontier_scores(model, records: Sequence[TreeRecord], max_pairs_per_tree: int = 2000) -> list[FrontierScore]:
    """Share of (path state, off-path state) pairs of ``records`` the model orders right, by
    :data:`RELATIONS` (records without ``off_path`` or path tactics count for nothing)."""
    states: list[str] = []
    contexts: list[StateContext] = []
    index: dict[tuple[str, StateContext], int] = {}

    def row(state: str, context: StateContext) -> int:
        key = (state, context)
        if key not in index:
            index[key] = len(states)
            states.append(state)
            contexts.append(context)
        return index[key]

    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)  # relation -> (path row, off row)
    for rec in records:
        if not rec.proved or not rec.off_path or any(not p.tactic for p in rec.path):
            continue
        tactics = [p.tactic for p in rec.path]
        path_rows = []
        for i, p in enumerate(rec.path):
            if i == 0:
                continue  # the root is expanded first: it never waits beside another state
            parent = rec.path[i - 1].state
            path_rows.append((row(p.state, StateContext(tuple(tactics[:i]), parent)), i, parent))
        taken = 0
        for off in rec.off_path:
            off_row = row(off.state, StateContext(tuple(off.tactics), off.parent))
            depth = len(off.tactics)
            for path_row, i, parent in path_rows:
                if taken >= max_pairs_per_tree:
                    break
                relation = "same depth" if depth == i else "deeper" if depth > i else "shallower"
                pairs[relation].append((path_row, off_row))
                if depth == i and parent == off.parent and tuple(off.tactics[:-1]) == tuple(tactics[: i - 1]):
                    pairs["siblings"].append((path_row, off_row))
                taken += 1
    if not states:
        return [FrontierScore(r, 0, float("nan")) for r in RELATIONS]
    est = _estimates(model, states, contexts)
    out = []
    for relation in RELATIONS:
        got = np.asarray(pairs[relation], dtype=np.int64).reshape(-1, 2)
        if not len(got):
            out.append(FrontierScore(relation, 0, float("nan")))
            continue
        diff = est[got[:, 1]] - est[got[:, 0]]  # off-path minus path: right when positive
        out.append(FrontierScore(relation, len(got),
                                 float(np.mean(np.where(diff > 0, 1.0, np.where(diff == 0, 0.5, 0.0))))))
    return out
