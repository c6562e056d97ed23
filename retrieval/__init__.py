"""Retrieval layer shared by the prover and the planner: text encoders, a FAISS vector index
with records and persistence, and a BM25 baseline with the same result type."""

from retrieval.bm25 import BM25Index
from retrieval.encoder import (
    DEFAULT_ENCODER_NAME,
    Encoder,
    SentenceTransformerEncoder,
    l2_normalise,
)
from retrieval.errors import (
    EncoderLoadError,
    IndexCorruptError,
    IndexLoadError,
    IndexMismatchError,
    RetrievalError,
)
from retrieval.index import IndexKind, IndexManifest, VectorIndex
from retrieval.records import IndexRecord, SearchHit

__all__ = [
    "BM25Index",
    "DEFAULT_ENCODER_NAME",
    "Encoder",
    "EncoderLoadError",
    "IndexCorruptError",
    "IndexKind",
    "IndexLoadError",
    "IndexManifest",
    "IndexMismatchError",
    "IndexRecord",
    "RetrievalError",
    "SearchHit",
    "SentenceTransformerEncoder",
    "VectorIndex",
    "l2_normalise",
]
