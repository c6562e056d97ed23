"""Pick the APIs relevant to a request with the retrieval layer, for large catalogs.

Each API is indexed by its name, description and the goal phrases of what it outputs. The top-k
hits for the request text are kept, then closed under dataflow: every API that can produce an
input of a kept API (and every API a kept one requires) is kept too, so chains stay intact.
BM25 (``retrieval.bm25``) needs no model and is the default; the dense index
(``retrieval.index.VectorIndex`` over the bundled MiniLM encoder) is the alternative.
"""

from __future__ import annotations

import re
from typing import Literal

from planner.api.catalog import Catalog
from retrieval.records import IndexRecord

SelectorKind = Literal["bm25", "dense"]


def api_records(catalog: Catalog) -> list[IndexRecord]:
    records = []
    for api in catalog.apis:
        phrases = [p for t in api.outputs.values() for p in catalog.type_by_name[t].goal_phrases]
        text = f"{api.name.replace('_', ' ')}. {api.description} " + ". ".join(phrases)
        records.append(IndexRecord(key=api.name, text=text))
    return records


def dataflow_closure(catalog: Catalog, names: list[str]) -> list[str]:
    """``names`` plus every API that can feed one of their inputs or that they require."""
    keep = list(dict.fromkeys(names))
    i = 0
    while i < len(keep):
        api = catalog.api_by_name[keep[i]]
        feeders = [p.name for t in api.inputs.values() for p in catalog.producers(t)]
        for name in [*api.requires, *feeders]:
            if name not in keep:
                keep.append(name)
        i += 1
    return keep


CLAUSE_BREAK = re.compile(r"[.;!?]|,?\s\b(?:and then|then|and also|also|after that|and)\b", re.IGNORECASE)


def split_clauses(text: str) -> list[str]:
    """Pieces of a request that each ask for one thing (split at sentence ends and 'and then')."""
    return [c.strip() for c in CLAUSE_BREAK.split(text) if len(c.split()) >= 2]


class ApiSelector:
    """Top-k API retrieval over one catalog, closed under dataflow."""

    def __init__(self, catalog: Catalog, kind: SelectorKind = "bm25", encoder: object | None = None) -> None:
        self.catalog = catalog
        self.kind = kind
        records = api_records(catalog)
        if kind == "bm25":
            from retrieval.bm25 import BM25Index

            self._bm25 = BM25Index(records)
        else:
            from retrieval.encoder import SentenceTransformerEncoder
            from retrieval.index import VectorIndex

            self._encoder = encoder or SentenceTransformerEncoder()
            self._dense = VectorIndex.from_records(self._encoder, records)  # type: ignore[arg-type]

    def top(self, text: str, k: int) -> list[str]:
        if self.kind == "bm25":
            hits = self._bm25.search(text, k)
        else:
            hits = self._dense.search_texts(self._encoder, [text], k)[0]  # type: ignore[arg-type]
        return [h.record.key for h in hits]

    def select(self, text: str, k: int = 8, per_clause: int = 2) -> Catalog:
        """The catalog restricted to the top-``k`` APIs for ``text``, the top ``per_clause`` for
        each clause (so every goal of a multi-goal request gets its own query), and their feeders."""
        names = self.top(text, k)
        if per_clause > 0:
            for clause in split_clauses(text):
                names += self.top(clause, per_clause)
        return self.catalog.subset(dataflow_closure(self.catalog, list(dict.fromkeys(names))))
