"""Byte-bounded model inputs: retrieved premises followed by the goal state.

The layout follows ReProver's retrieval-augmented input (premises first, the state last), with
one rule of our own: the state's goal is never cut. When the state alone exceeds the budget we
keep the goal (from the first goal marker on) and as many of the hypotheses just above it as
fit; premises then fill whatever budget is left, in the order given (best first).
"""

from __future__ import annotations

from collections.abc import Sequence

PREMISE_PREFIX = "[P] "
STATE_PREFIX = "[G] "
# Coq prints the hypotheses, then a line of '=', then the goal; Lean puts the goal after '⊢'.
GOAL_MARKERS = ("\n============================", "⊢")


def truncate_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits in ``max_bytes``."""
    if max_bytes <= 0:
        return ""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def keep_tail_bytes(text: str, max_bytes: int) -> str:
    """The longest suffix of ``text`` whose UTF-8 encoding fits in ``max_bytes``."""
    if max_bytes <= 0:
        return ""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[len(raw) - max_bytes :].decode("utf-8", errors="ignore")


def goal_span(state: str) -> tuple[int, int]:
    """Where the first goal's marker starts and ends (``(0, 0)`` when no marker is found)."""
    found = [(state.find(m), m) for m in GOAL_MARKERS if state.find(m) >= 0]
    if not found:
        return 0, 0
    start, marker = min(found)
    return start, start + len(marker)


def fit_state(state: str, max_bytes: int) -> str:
    """``state`` cut to ``max_bytes`` so that the goal survives: goal first, then the
    hypotheses nearest to it (the marker line is dropped only when the goal alone fills the
    budget)."""
    if len(state.encode("utf-8")) <= max_bytes:
        return state
    start, end = goal_span(state)
    marker, goal = state[start:end], state[end:]
    if len((marker + goal).encode("utf-8")) > max_bytes:
        return truncate_bytes(goal.lstrip("\n "), max_bytes)
    room = max_bytes - len((marker + goal).encode("utf-8"))
    return keep_tail_bytes(state[:start], room) + marker + goal


def format_input(
    state: str,
    premises: Sequence[str] = (),
    *,
    max_bytes: int = 512,
    max_premise_bytes: int = 160,
) -> str:
    """The generator's input text, at most ``max_bytes`` UTF-8 bytes long."""
    state_text = STATE_PREFIX + fit_state(state, max_bytes - len(STATE_PREFIX))
    room = max_bytes - len(state_text.encode("utf-8"))
    parts: list[str] = []
    for premise in premises:
        line = PREMISE_PREFIX + truncate_bytes(" ".join(premise.split()), max_premise_bytes) + "\n"
        size = len(line.encode("utf-8"))
        if size > room:
            break
        parts.append(line)
        room -= size
    return "".join(parts) + state_text
