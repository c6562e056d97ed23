"""The typed values an index stores and returns: records (what an id stands for) and hits."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class IndexRecord(BaseModel):
    """What one id of an index stands for: a key (e.g. a premise's full name), the text that
    was encoded, and string metadata (e.g. the file that defines the premise)."""

    model_config = ConfigDict(frozen=True)
    key: str
    text: str
    meta: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class SearchHit:
    """One search result: the record's id (its position in the index), its score (higher is
    better: inner product for dense indexes, BM25 for sparse) and the record itself."""

    id: int
    score: float
    record: IndexRecord
