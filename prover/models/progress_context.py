"""What the search knows about a state besides its text, as progress-model inputs.

Best-first search reaches every state by a path of tactics from the root; LeanProgress feeds
the proof so far to its model beside the goal. :class:`StateContext` carries that path (the
tactics run so far, and the state the last one ran on); :func:`context_features` turns it into
numbers:

* ``depth``: ``log1p`` of the tactics run so far and a root flag. Inside one traced proof the
  remaining steps fall as depth grows, so this alone orders the states of one proof; between
  search states of different depths it says nothing about dead ends, so a model that reads it
  must also be checked on siblings (same depth) and on search trees' dead ends;
* ``delta``: the shape of the state minus the shape of its parent (what the last tactic did:
  goals opened or closed, hypotheses added, goal grown or shrunk); zeros at the root;
* ``heads``: the bag of tactic heads of the proof so far (``log1p`` counts over a vocabulary of
  the most frequent heads of the training proofs, plus one "other" slot); their sum grows with
  depth, so it carries depth too;
* ``last``: the head of the last tactic (one-hot over the same vocabulary, plus "other" and a
  "none" slot at the root); it says what was just done, not how much.

A state with no context is read as a root (depth 0, no parent, no tactics).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_CONNECTIVES = ("->", "/\\", "\\/", "<->", "forall", "exists", "~", "=", "<=", "<", "+", "*", "∀", "∃", "→", "∧", "∨", "↔", "¬")


def shape_features(state: str) -> list[float]:
    """Hand-made features of a pretty-printed state (Coq or Lean)."""
    return list(_shape(state))


@lru_cache(maxsize=8192)
def _shape(state: str) -> tuple[float, ...]:
    """:func:`shape_features`, cached: the siblings of one expansion share their parent."""
    state = state.strip()
    goals = [g for g in state.split("\n\n") if g.strip()] or [""]
    first = goals[0]
    marker = first.find("============================")
    if marker < 0:
        marker = first.find("⊢")
    hyps = first[:marker] if marker >= 0 else ""
    goal = first[marker:] if marker >= 0 else first
    n_hyps = sum(1 for line in hyps.splitlines() if ":" in line)
    subgoal_note = re.search(r"(\d+) (?:sub)?goals?", state)
    declared = int(subgoal_note.group(1)) if subgoal_note else len(goals)
    return (
        math.log1p(len(goals)),
        math.log1p(declared),
        math.log1p(n_hyps),
        math.log1p(len(state)),
        math.log1p(len(goal)),
        math.log1p(sum(goal.count(c) for c in _CONNECTIVES)),
        math.log1p(goal.count("(")),
    )


#: Context groups a model may read (``ProgressSettings.context_groups``).
CONTEXT_GROUPS = ("depth", "delta", "heads", "last")

_BULLET = re.compile(r"^[\s\-+*{}]+")
_TIMEOUT = re.compile(r"^timeout\s+\d+\s+")
_HEAD = re.compile(r"[A-Za-z_][\w']*")
#: Tactic combinators whose argument says more than they do: the head is both words.
_WRAPPERS = frozenset({"now", "try", "repeat", "progress", "solve", "first", "do", "abstract", "once"})


@dataclass(frozen=True)
class StateContext:
    """How the search (or a traced proof) reached a state."""

    #: Tactics run from the root to reach the state, in order (its depth is their number).
    tactics: tuple[str, ...] = ()
    #: The state the last tactic ran on (None at the root).
    parent: str | None = None

    @property
    def depth(self) -> int:
        return len(self.tactics)


ROOT = StateContext()


def path_contexts(tactics: Sequence[str], states: Sequence[str]) -> list[StateContext]:
    """The context of each state of a traced proof: ``states[i]`` is the state ``tactics[i]`` ran
    on, so it was reached by ``tactics[:i]`` from ``states[i - 1]``."""
    if len(tactics) != len(states):
        raise ValueError(f"{len(tactics)} tactics for {len(states)} states")
    names = tuple(tactics)
    return [StateContext(names[:i], states[i - 1].strip() if i else None) for i in range(len(states))]


@lru_cache(maxsize=65536)
def tactic_head(tactic: str) -> str:
    """The name a tactic starts with, without bullets and a search's ``timeout N``
    (``now``/``try``/``repeat``... keep the next word: ``now rewrite``)."""
    text = _TIMEOUT.sub("", _BULLET.sub("", tactic.strip()))
    words = _HEAD.findall(text[:80])
    if not words:
        return ""
    if words[0] in _WRAPPERS and len(words) > 1 and words[1] not in _WRAPPERS:
        return f"{words[0]} {words[1]}"
    return words[0]


def head_vocabulary(proofs: Iterable[Sequence[str]], size: int = 48, min_count: int = 3) -> list[str]:
    """The ``size`` most frequent tactic heads of ``proofs`` seen at least ``min_count`` times
    (ties by name, so the vocabulary is reproducible)."""
    counts = Counter(tactic_head(t) for proof in proofs for t in proof)
    counts.pop("", None)
    ranked = sorted((c, h) for h, c in counts.items() if c >= min_count)
    ranked.sort(key=lambda x: (-x[0], x[1]))
    return [h for _, h in ranked[:size]]


def context_dim(groups: Sequence[str], heads: Sequence[str]) -> int:
    """Length of :func:`context_features` for these groups and head vocabulary."""
    n = 0
    if "depth" in groups:
        n += 2
    if "delta" in groups:
        n += len(shape_features("x"))
    if "heads" in groups:
        n += len(heads) + 1
    if "last" in groups:
        n += len(heads) + 2
    return n


def context_features(state: str, context: StateContext | None, groups: Sequence[str], heads: Sequence[str],
                     shape: Sequence[float] | None = None) -> list[float]:
    """The context inputs of one state (see the module docstring); ``shape`` reuses the state's
    :func:`~prover.models.progress.shape_features` when the caller has them."""
    unknown = set(groups) - set(CONTEXT_GROUPS)
    if unknown:
        raise ValueError(f"unknown context groups: {', '.join(sorted(unknown))}")
    context = context or ROOT
    out: list[float] = []
    if "depth" in groups:
        out += [float(context.depth == 0), math.log1p(context.depth)]
    if "delta" in groups:
        if context.parent is None:
            out += [0.0] * len(shape_features("x"))
        else:
            mine = shape if shape is not None else shape_features(state)
            out += [a - b for a, b in zip(mine, shape_features(context.parent), strict=True)]
    index = {h: i for i, h in enumerate(heads)}
    other = len(heads)
    if "heads" in groups:
        bag = [0.0] * (len(heads) + 1)
        for tactic in context.tactics:
            bag[index.get(tactic_head(tactic), other)] += 1.0
        out += [math.log1p(c) for c in bag]
    if "last" in groups:
        last = [0.0] * (len(heads) + 2)
        if context.tactics:
            last[index.get(tactic_head(context.tactics[-1]), other)] = 1.0
        else:
            last[-1] = 1.0
        out += last
    return out
