"""Online learning for benchmark runs (Tactician's and Rango's idea): the k-NN memory grows.

Before a theorem is searched, the traced tactics of the lemmas of its own file that start
before it (from every split and part of the dataset) join the k-NN generator's memory; after a
theorem is proved, the states and tactics of its proof path join too. Each addition is tagged
with the file and start of the lemma it comes from, and while a theorem is searched every
addition of its file at or after its start (itself included) is blocked from the k-NN vote, so
a run in any order never shows a theorem itself or a later lemma of its file. Additions are
FAISS ``add`` calls on the generator's index (no rebuild).

A resumed run starts from the traced lemmas only: proofs found before the kill are not replayed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from prover.data.records import TracedTheorem
from prover.env import Theorem
from prover.models.generators.knn import KnnGenerator
from prover.search.best_first import SearchResult, without_timeout
from prover.search.evaluation import Prover, theorem_id

#: Sorts before every real position: a theorem whose start is unknown blocks all of its file.
UNKNOWN_START = (0, 0)
#: Sorts after every real position: a proof of a theorem whose start is unknown is blocked for
#: every theorem of its file.
LATEST = (1 << 30, 0)


@dataclass(frozen=True)
class MemoryEntry:
    """Memory ids added for one lemma: from its traced proof (``source="file"``) or from the
    proof this run found (``source="run"``)."""

    file_path: str
    start: tuple[int, int]
    name: str
    source: str
    ids: tuple[int, ...]


def proof_path_pairs(result: SearchResult) -> list[tuple[str, str]]:
    """``(state, tactic)`` along the verified proof of a search tree (empty when unproved)."""
    if not result.proved:
        return []
    tree = result.tree
    ends = [n for n, d in tree.nodes(data=True) if d.get("kind") == "proved" and d.get("verified", True)]
    if not ends:
        return []
    path = nx.shortest_path(tree, 0, ends[-1])
    return [(tree.nodes[u]["goals"], without_timeout(tree.edges[u, v]["tactic"]))
            for u, v in zip(path, path[1:], strict=False)]


@functools.lru_cache(maxsize=2)
def dataset_lemmas(dataset_dir: Path) -> tuple[TracedTheorem, ...]:
    """Every traced theorem of a dataset: the three parts of its first split (each split's
    parts hold every theorem once), read once per process."""
    from prover.data.dataset import PARTS, SPLITS, load_split

    for split in SPLITS:
        parts = [part for part in PARTS if (dataset_dir / split / f"{part}.json").is_file()]
        if parts:
            return tuple(rec for part in parts for rec in load_split(dataset_dir, split, part, False))
    return ()


class OnlineMemory:
    """Grows a :class:`KnnGenerator`'s memory as a run proceeds (see the module docstring)."""

    def __init__(self, knn: KnnGenerator, lemmas: Iterable[TracedTheorem] = ()) -> None:
        self.knn = knn
        self.by_file: dict[str, list[TracedTheorem]] = {}
        seen: set[tuple[str, str]] = set()
        for rec in lemmas:
            if (rec.file_path, rec.full_name) not in seen:
                seen.add((rec.file_path, rec.full_name))
                self.by_file.setdefault(rec.file_path, []).append(rec)
        for recs in self.by_file.values():
            recs.sort(key=lambda r: tuple(r.start))
        self.starts = {(r.file_path, r.full_name): (r.start[0], r.start[1])
                       for recs in self.by_file.values() for r in recs}
        self.entries: list[MemoryEntry] = []
        self._added_from_file: set[tuple[str, str]] = set()

    @classmethod
    def from_dataset(cls, knn: KnnGenerator, dataset_dir: Path | None) -> OnlineMemory:
        """Memory over the traced lemmas of ``dataset_dir`` (none without a dataset: then only
        proofs found in the run join)."""
        return cls(knn, dataset_lemmas(Path(dataset_dir)) if dataset_dir is not None else ())

    def position(self, theorem: Theorem) -> tuple[str, tuple[int, int]]:
        file_path = theorem.file_path or ""
        known = self.starts.get((file_path, theorem.full_name or ""))
        if known is None and theorem.start is not None:
            known = (theorem.start[0], theorem.start[1])
        return file_path, known or UNKNOWN_START

    def before(self, theorem: Theorem) -> None:
        """Add the traced lemmas of ``theorem``'s file that start before it; block the rest."""
        file_path, start = self.position(theorem)
        name = theorem_id(theorem)
        if start != UNKNOWN_START:
            for rec in self.by_file.get(file_path, []):
                if tuple(rec.start) >= start:
                    break
                key = (rec.file_path, rec.full_name)
                if key in self._added_from_file or rec.full_name == name:
                    continue
                self._added_from_file.add(key)
                pairs = [(t.state_before, t.tactic) for t in rec.traced_tactics]
                self._add(pairs, rec.file_path, (rec.start[0], rec.start[1]), rec.full_name, "file")
        self.knn.blocked = frozenset(
            i for e in self.entries
            if e.name == name or (file_path and e.file_path == file_path and e.start >= start)
            for i in e.ids)

    def after(self, theorem: Theorem, result: SearchResult) -> None:
        """Add the proof path of a proved theorem; lift the block."""
        self.knn.blocked = frozenset()
        pairs = proof_path_pairs(result)
        if pairs:
            file_path, start = self.position(theorem)
            start = LATEST if start == UNKNOWN_START else start
            self._add(pairs, file_path, start, theorem_id(theorem), "run")

    def _add(self, pairs: list[tuple[str, str]], file_path: str, start: tuple[int, int], name: str,
             source: str) -> None:
        if not pairs:
            return
        ids = self.knn.add([s for s, _ in pairs], [t for _, t in pairs])
        self.entries.append(MemoryEntry(file_path, start, name, source, tuple(ids)))

    def wrap(self, prover: Prover) -> Prover:
        """``prover`` with the memory updated around each theorem."""

        def prove(theorem: Theorem) -> SearchResult:
            self.before(theorem)
            try:
                result = prover(theorem)
            except BaseException:
                self.knn.blocked = frozenset()
                raise
            self.after(theorem, result)
            return result

        return prove
