"""BM25 over records (the sparse baseline), on ``bm25s``; results are :class:`SearchHit` lists
like the dense index's, with the same optional allowed-id filter.

Formal text is tokenised for identifiers: ``Nat.add_comm`` gives ``nat.add_comm``, ``nat``,
``add_comm``, ``add`` and ``comm``, so a goal mentioning ``add_comm`` matches the lemma.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from pathlib import Path

import bm25s
import numpy as np

from retrieval.errors import IndexCorruptError, IndexLoadError, RetrievalError
from retrieval.records import IndexRecord, SearchHit

_WORD = re.compile(r"[A-Za-z0-9_'.]+")
_PART = re.compile(r"[A-Za-z0-9]+")
RECORDS_FILE = "records.jsonl"
MODEL_DIR = "bm25s"


def tokenize(text: str) -> list[str]:
    """Lower-cased identifiers of ``text`` plus their dotted and underscored parts."""
    tokens: list[str] = []
    for word in _WORD.findall(text.lower()):
        word = word.strip(".'")
        if not word:
            continue
        tokens.append(word)
        if "." in word:
            tokens.extend(p for p in word.split(".") if p and p != word)
        parts = _PART.findall(word)
        if len(parts) > 1:
            tokens.extend(parts)
    return tokens


class BM25Index:
    """BM25 (Lucene variant, k1=1.2, b=0.75 unless given) over the ``text`` of records."""

    def __init__(self, records: Sequence[IndexRecord], *, k1: float = 1.2, b: float = 0.75) -> None:
        if not records:
            raise RetrievalError("cannot build a BM25 index over zero records")
        self.records = list(records)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._bm25.index([tokenize(r.text) for r in self.records], show_progress=False)

    def __len__(self) -> int:
        return len(self.records)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every record for ``query`` (index = record id)."""
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(len(self.records), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(
        self, query: str, k: int = 10, allowed_ids: Collection[int] | None = None
    ) -> list[SearchHit]:
        """Top-``k`` records for ``query``, best first; only ``allowed_ids`` when given."""
        if k <= 0:
            raise RetrievalError(f"k must be positive, got {k}")
        scores = self.scores(query)
        if allowed_ids is not None:
            candidates = np.unique(np.fromiter(allowed_ids, dtype=np.int64))
            candidates = candidates[(candidates >= 0) & (candidates < len(self.records))]
        else:
            candidates = np.arange(len(self.records))
        if candidates.size == 0:
            return []
        cand_scores = scores[candidates]
        take = min(k, candidates.size)
        top = np.argpartition(-cand_scores, take - 1)[:take]
        # Ties (e.g. all-zero scores) are broken by id so results are deterministic.
        top = top[np.lexsort((candidates[top], -cand_scores[top]))]
        return [
            SearchHit(
                id=int(candidates[i]),
                score=float(cand_scores[i]),
                record=self.records[candidates[i]],
            )
            for i in top
        ]

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        allowed_ids: Sequence[Collection[int] | None] | None = None,
    ) -> list[list[SearchHit]]:
        """:meth:`search` for each query; ``allowed_ids`` gives one filter per query."""
        filters = list(allowed_ids) if allowed_ids is not None else [None] * len(queries)
        if len(filters) != len(queries):
            raise RetrievalError(f"{len(queries)} queries but {len(filters)} allowed-id sets")
        return [self.search(q, k, f) for q, f in zip(queries, filters, strict=True)]

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(folder / MODEL_DIR), show_progress=False)
        with (folder / RECORDS_FILE).open("w", encoding="utf-8") as fh:
            for record in self.records:
                fh.write(record.model_dump_json() + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> BM25Index:
        folder = Path(folder)
        if not (folder / RECORDS_FILE).is_file() or not (folder / MODEL_DIR).is_dir():
            raise IndexLoadError(f"{folder} is not a saved BM25 index")
        try:
            bm25 = bm25s.BM25.load(str(folder / MODEL_DIR), show_progress=False)
            with (folder / RECORDS_FILE).open(encoding="utf-8") as fh:
                records = [IndexRecord.model_validate_json(line) for line in fh]
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            raise IndexCorruptError(f"cannot read the BM25 index at {folder}: {exc}") from exc
        if bm25.scores["num_docs"] != len(records):
            raise IndexCorruptError(
                f"BM25 index at {folder} covers {bm25.scores['num_docs']} documents but has {len(records)} records"
            )
        index = cls.__new__(cls)
        index.records = records
        index._bm25 = bm25
        return index
