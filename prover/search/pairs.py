"""Sibling pairs from the prover's own proved search trees, for training the progress predictor.

Traced proofs hold only states on a successful path, so a predictor trained on them learns how
far a state on *some* proof is from its end, never which of the generator's alternatives at one
node leads on. A proved search tree has that contrast: at every node of the found proof, the
child the proof went through is *closer* than each other child state the same expansion
produced (its siblings). :func:`tree_pairs` reads those pairs off a :class:`SearchResult`;
:func:`collect_pairs` runs a prover over theorems and appends one JSON line per theorem (proved
or not, so a rerun resumes where it stopped). The pairs feed ``train_progress(search_pairs=...)``.

A sibling is not wrong for sure (it may lead to another proof); the pair only says the search
found the proof through the other child, which is the signal best-first search can use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
from pydantic import BaseModel, ValidationError

from common.errors import ProofplanError
from common.results_file import append_record, prepare
from prover.env import Theorem
from prover.search.best_first import SearchResult
from prover.search.evaluation import Prover, run_each, theorem_id

#: Tree-node kinds that hold a goal state (errors, timeouts and duplicates hold none).
STATE_KINDS = frozenset({"open", "expanded"})
#: Off-path states kept per proved tree (the first reached).
MAX_OFF_PATH = 100


class PathState(BaseModel):
    """A state the found proof went through and the number of its tactics still to run."""

    state: str
    steps: int
    #: The tactic the proof ran at this state (absent in files written before it).
    tactic: str = ""


class StatePair(BaseModel):
    """Two children of one node of a found proof: ``closer`` is on the proof (``steps`` of it
    left), ``farther`` is a sibling state the same expansion produced."""

    closer: str
    steps: int
    farther: str
    #: The state both came from, the tactics from the root to it and the tactic that made each
    #: (what a context-reading progress model needs; absent in files written before them).
    parent: str | None = None
    prefix: list[str] = []
    closer_tactic: str = ""
    farther_tactic: str = ""


class OffPathState(BaseModel):
    """A state of a proved search tree off the found proof (a dead end, as far as this search
    went), with how the search reached it."""

    state: str
    parent: str
    tactics: list[str]


class TreeRecord(BaseModel):
    """One line of a pairs file: one theorem's search (pairs only when it was proved)."""

    name: str
    proved: bool
    expansions: int
    time: float
    path: list[PathState] = []
    pairs: list[StatePair] = []
    #: Up to :data:`MAX_OFF_PATH` states off the proof (files written before them have none).
    off_path: list[OffPathState] = []


def tree_pairs(result: SearchResult) -> TreeRecord:
    """The proof path and sibling pairs of a search (empty unless it was proved and verified)."""
    record = TreeRecord(name=theorem_id(result.theorem), proved=result.proved,
                        expansions=result.expansions, time=round(result.time, 3))
    if not result.proved:
        return record
    tree = result.tree
    ends = [n for n, d in tree.nodes(data=True) if d.get("kind") == "proved" and d.get("verified", True)]
    if not ends:
        return record
    path = nx.shortest_path(tree, 0, ends[-1])
    length = len(path) - 1
    tactics = [tree.edges[a, b]["tactic"] for a, b in zip(path, path[1:], strict=False)]
    record.path = [PathState(state=tree.nodes[n]["goals"], steps=length - i, tactic=tactics[i])
                   for i, n in enumerate(path[:-1])]
    for i, (parent, child) in enumerate(zip(path[:-2], path[1:-1], strict=True)):
        closer = tree.nodes[child]["goals"]
        for other in tree.successors(parent):
            data = tree.nodes[other]
            if other != child and data.get("kind") in STATE_KINDS and data.get("goals"):
                record.pairs.append(StatePair(closer=closer, steps=length - i - 1, farther=data["goals"],
                                              parent=tree.nodes[parent]["goals"], prefix=tactics[:i],
                                              closer_tactic=tactics[i],
                                              farther_tactic=tree.edges[parent, other]["tactic"]))
    on_path = set(path)
    for n in sorted(tree.nodes):
        data = tree.nodes[n]
        if len(record.off_path) >= MAX_OFF_PATH:
            break
        if n in on_path or data.get("kind") not in STATE_KINDS or not data.get("goals"):
            continue
        route = nx.shortest_path(tree, 0, n)
        record.off_path.append(OffPathState(state=data["goals"], parent=tree.nodes[route[-2]]["goals"],
                                            tactics=[tree.edges[a, b]["tactic"] for a, b in zip(route, route[1:], strict=False)]))
    return record


def read_tree_records(path: str | Path) -> list[TreeRecord]:
    """Records of a pairs file (a line cut short by a kill is skipped; other bad lines raise)."""
    path = Path(path)
    if not path.is_file():
        raise ProofplanError(f"no pairs file at {path}")
    records = []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(TreeRecord.model_validate_json(line))
        except ValidationError as exc:
            if no == len(lines) and not text.endswith("\n"):
                break
            raise ProofplanError(f"{path}:{no}: not a pairs record ({exc.errors()[0]['msg']})") from None
    return records


def held_out(name: str, share: float = 0.15) -> bool:
    """Whether a theorem's pairs are kept for validation (a stable hash of its name)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def load_pairs(paths: Sequence[str | Path]) -> tuple[list[StatePair], list[StatePair]]:
    """Training and validation pairs of pairs files, split by theorem (:func:`held_out`)."""
    train: list[StatePair] = []
    val: list[StatePair] = []
    seen: set[str] = set()
    for path in paths:
        for rec in read_tree_records(path):
            if rec.name in seen:
                continue
            seen.add(rec.name)
            (val if held_out(rec.name) else train).extend(rec.pairs)
    return train, val


def collect_pairs(theorems: Sequence[Theorem], prover: Prover, out: str | Path, show_progress: bool = True,
                  console=None) -> list[TreeRecord]:
    """Run ``prover`` on every theorem not yet in ``out``; append each :class:`TreeRecord` as it
    finishes (fsynced); return all records of ``theorems`` in ``out``."""
    out = Path(out)
    prepare(out)
    done = {r.name for r in read_tree_records(out)} if out.exists() else set()
    todo = [t for t in theorems if theorem_id(t) not in done]

    def run_one(theorem: Theorem) -> TreeRecord:
        record = tree_pairs(prover(theorem))
        append_record(out, record)
        return record

    run_each(todo, run_one, label="search pairs", total=len(theorems),
             tally=lambda r: {"proved": int(r.proved), "pairs": len(r.pairs)}, counts={"proved": 0, "pairs": 0},
             show_progress=show_progress, console=console)
    wanted = {theorem_id(t) for t in theorems}
    return [r for r in read_tree_records(out) if r.name in wanted] if out.exists() else []
