"""Proof states as a tree of tactic paths, so a restarted prover can rebuild any state.

A Lean backend hands out its own state ids; each node remembers its parent and the tactic that
produced it, plus the backend's handle for it in the current process (a REPL ``proofState``
number, a ``lean_dojo.TacticState``). After a restart every handle is dropped and a state is
rebuilt on demand by replaying its path from the root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prover.env import ProofFinished, ProofState, TacticError, TacticResult, UnknownStateError


@dataclass(frozen=True)
class NewGoals:
    """A tactic left open goals: pretty-printed ``goals`` and the backend's handle for them."""

    goals: str
    num_goals: int
    handle: Any


@dataclass(frozen=True)
class AllGoalsClosed:
    """A tactic closed the last goal."""


TacticOutcome = NewGoals | AllGoalsClosed | TacticError


@dataclass
class StateNode:
    parent: int | None
    tactic: str | None
    goals: str
    num_goals: int
    handle: Any = None
    closed: bool = False  # the tactic finished the proof; nothing runs on this node


class StateTree:
    def __init__(self) -> None:
        self.nodes: dict[int, StateNode] = {}
        self._next_id = 0

    def reset(self) -> None:
        self.nodes.clear()

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def add_root(self, goals: str, num_goals: int, handle: Any) -> ProofState:
        sid = self._new_id()
        self.nodes[sid] = StateNode(None, None, goals, num_goals, handle)
        return ProofState(sid, goals, num_goals)

    def add_child(
        self, parent: int, tactic: str, goals: str, num_goals: int, handle: Any
    ) -> ProofState:
        sid = self._new_id()
        self.nodes[sid] = StateNode(parent, tactic, goals, num_goals, handle)
        return ProofState(sid, goals, num_goals)

    def finished(self, parent: int, tactic: str) -> ProofFinished:
        sid = self._new_id()
        self.nodes[sid] = StateNode(parent, tactic, "", 0, None, closed=True)
        return ProofFinished(sid)

    def tactics_to(self, state_id: int) -> list[str]:
        """The tactics from the initial state to ``state_id`` (a proof, for a finished id)."""
        if state_id not in self.nodes:
            raise UnknownStateError(f"unknown proof state {state_id} for the current theorem")
        out: list[str] = []
        node = self.nodes[state_id]
        while node.parent is not None:
            out.append(node.tactic or "")
            node = self.nodes[node.parent]
        return out[::-1]

    def record(self, parent: int, tactic: str, outcome: TacticOutcome) -> TacticResult:
        """The :class:`TacticResult` of running ``tactic`` on state ``parent``."""
        if isinstance(outcome, NewGoals):
            return self.add_child(parent, tactic, outcome.goals, outcome.num_goals, outcome.handle)
        if isinstance(outcome, AllGoalsClosed):
            return self.finished(parent, tactic)
        return outcome

    def get(self, state: ProofState) -> StateNode:
        """The node of ``state``; UnknownStateError for ids this tree never produced."""
        node = self.nodes.get(state.id)
        if node is None or node.closed or node.goals != state.goals:
            raise UnknownStateError(f"unknown proof state {state.id} for the current theorem")
        return node

    def handle(self, state_id: int, open_root: Callable[[], Any], replay: Callable[[Any, str], Any]) -> Any:
        """The backend handle of ``state_id``, rebuilt when a restart dropped it: the root's by
        ``open_root()``, any other node's by ``replay(parent_handle, tactic)``."""
        node = self.nodes[state_id]
        if node.handle is None:
            if node.parent is None:
                node.handle = open_root()
            else:
                parent = self.handle(node.parent, open_root, replay)
                node.handle = replay(parent, node.tactic or "")
        return node.handle

    def invalidate(self) -> None:
        """Forget every backend handle (the process they belonged to is gone)."""
        for node in self.nodes.values():
            node.handle = None
