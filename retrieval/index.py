"""A FAISS vector index whose ids map to records, saved as a self-checking folder.

Vectors are compared by inner product, which is cosine similarity for the unit-length vectors
an :class:`~retrieval.encoder.Encoder` produces. ``kind="flat"`` is exact; ``kind="hnsw"`` is
approximate and faster on large sets. A flat index moves to the GPU(s) when
``faiss.get_num_gpus() > 0`` (FAISS has no GPU HNSW, so HNSW stays on the CPU).

A saved index is a folder::

    manifest.json   dim, kind, count, encoder name, HNSW parameters, SHA-256 of the files
    index.faiss     the FAISS index (always written from a CPU copy)
    records.jsonl   one IndexRecord per line, line i is id i

``VectorIndex.load`` checks the manifest against both files before FAISS reads anything, so a
damaged file gives :class:`IndexCorruptError` (never a crash inside FAISS), and an index built
for another encoder or dimension gives :class:`IndexMismatchError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import faiss
import numpy as np
from pydantic import BaseModel, ValidationError

from retrieval.errors import IndexCorruptError, IndexLoadError, IndexMismatchError, RetrievalError
from retrieval.records import IndexRecord, SearchHit

if TYPE_CHECKING:
    from retrieval.encoder import Encoder

IndexKind = Literal["flat", "hnsw"]
MANIFEST_FILE = "manifest.json"
FAISS_FILE = "index.faiss"
RECORDS_FILE = "records.jsonl"
FORMAT_NAME = "proofplan-vector-index"
FORMAT_VERSION = 1
# FAISS's GPU k-selection handles at most this many neighbours per query.
GPU_MAX_K = 2048
# Filtered searches score the allowed vectors exactly, except for HNSW indexes when more than
# this many are allowed: then the graph search with an ID selector is faster.
EXACT_SUBSET_MAX = 20_000


class IndexManifest(BaseModel):
    """``manifest.json`` of a saved :class:`VectorIndex`."""

    format: Literal["proofplan-vector-index"] = FORMAT_NAME
    version: int = FORMAT_VERSION
    dim: int
    kind: IndexKind
    count: int
    encoder: str | None = None
    metric: Literal["inner_product"] = "inner_product"
    hnsw_m: int | None = None
    hnsw_ef_construction: int | None = None
    hnsw_ef_search: int | None = None
    faiss_sha256: str
    records_sha256: str


AllowedIds = Collection[int] | None


class VectorIndex:
    """Dense vectors plus the records they stand for; id ``i`` is ``records[i]``."""

    def __init__(
        self,
        dim: int,
        kind: IndexKind = "flat",
        *,
        encoder_name: str | None = None,
        hnsw_m: int = 32,
        hnsw_ef_construction: int = 80,
        hnsw_ef_search: int = 64,
        use_gpu: bool | None = None,
    ) -> None:
        if dim <= 0:
            raise RetrievalError(f"index dimension must be positive, got {dim}")
        if kind not in ("flat", "hnsw"):
            raise RetrievalError(f"unknown index kind {kind!r} (expected 'flat' or 'hnsw')")
        self.dim = dim
        self.kind: IndexKind = kind
        self.encoder_name = encoder_name
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.hnsw_ef_search = hnsw_ef_search
        self.records: list[IndexRecord] = []
        if kind == "flat":
            cpu_index: faiss.Index = faiss.IndexFlatIP(dim)
        else:
            cpu_index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            cpu_index.hnsw.efConstruction = hnsw_ef_construction
            cpu_index.hnsw.efSearch = hnsw_ef_search
        self._index = self._maybe_to_gpu(cpu_index, use_gpu)

    # ----------------------------------------------------------------- building
    def _maybe_to_gpu(self, cpu_index: faiss.Index, use_gpu: bool | None) -> faiss.Index:
        gpus = faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0
        want = gpus > 0 if use_gpu is None else use_gpu
        if want and gpus == 0:
            raise RetrievalError("use_gpu=True but FAISS sees no GPU (install faiss-gpu)")
        self.on_gpu = bool(want and self.kind == "flat")
        return faiss.index_cpu_to_all_gpus(cpu_index) if self.on_gpu else cpu_index

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        records: Sequence[IndexRecord],
        kind: IndexKind = "flat",
        **options: object,
    ) -> VectorIndex:
        """A new index over ``vectors`` (one row per record)."""
        vectors = _as_matrix(vectors)
        index = cls(vectors.shape[1], kind, **options)  # type: ignore[arg-type]
        index.add(vectors, records)
        return index

    @classmethod
    def from_records(
        cls,
        encoder: Encoder,
        records: Sequence[IndexRecord],
        kind: IndexKind = "flat",
        **options: object,
    ) -> VectorIndex:
        """Encode each record's ``text`` with ``encoder`` and index the vectors."""
        vectors = encoder.encode([r.text for r in records])
        if len(records) == 0:
            vectors = np.zeros((0, encoder.dim), dtype=np.float32)
        index = cls(encoder.dim, kind, encoder_name=encoder.name, **options)  # type: ignore[arg-type]
        index.add(vectors, records)
        return index

    def add(self, vectors: np.ndarray, records: Sequence[IndexRecord]) -> list[int]:
        """Append vectors with their records; returns the new ids."""
        vectors = _as_matrix(vectors, self.dim)
        if len(records) != vectors.shape[0]:
            raise RetrievalError(f"{vectors.shape[0]} vectors but {len(records)} records")
        start = len(self.records)
        if vectors.shape[0]:
            self._index.add(vectors)
        self.records.extend(records)
        return list(range(start, len(self.records)))

    def __len__(self) -> int:
        return len(self.records)

    def vectors(self) -> np.ndarray:
        """All stored vectors, row ``i`` for id ``i`` (a copy)."""
        if not self.records:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._index.reconstruct_n(0, len(self.records))

    def set_ef_search(self, ef_search: int) -> None:
        """HNSW only: candidates kept while searching (higher: better recall, slower)."""
        if self.kind != "hnsw":
            raise RetrievalError("efSearch applies to HNSW indexes only")
        self.hnsw_ef_search = ef_search
        self._index.hnsw.efSearch = ef_search

    # ---------------------------------------------------------------- searching
    def search_ids(
        self, queries: np.ndarray, k: int, allowed_ids: AllowedIds = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw FAISS-style result: ``(scores, ids)`` of shape ``(n_queries, k)``, ids ``-1``
        where fewer than ``k`` vectors qualify. ``allowed_ids`` restricts every query."""
        queries = _as_matrix(queries, self.dim)
        if k <= 0:
            raise RetrievalError(f"k must be positive, got {k}")
        n = len(self.records)
        if allowed_ids is None:
            scores, ids = self._index.search(queries, min(k, n)) if n else _empty(len(queries), 0)
            return _pad(scores, ids, k)
        allowed = np.unique(np.fromiter(allowed_ids, dtype=np.int64))
        allowed = allowed[(allowed >= 0) & (allowed < n)]
        if allowed.size == 0 or n == 0:
            return _pad(*_empty(len(queries), 0), k)
        want = min(k, int(allowed.size))
        if self.on_gpu:
            scores, ids = self._search_overfetch(queries, want, allowed)
        elif self.kind == "hnsw" and allowed.size > EXACT_SUBSET_MAX:
            scores, ids = self._search_selector(queries, want, allowed)
        else:
            return _pad(*self._search_exact_subset(queries, want, allowed), k)
        # The HNSW graph (or a GPU over-fetch) can miss allowed vectors: recompute the queries
        # that came back short exactly over the allowed subset.
        short = np.nonzero((ids >= 0).sum(axis=1) < want)[0]
        if short.size:
            exact_scores, exact_ids = self._search_exact_subset(queries[short], want, allowed)
            scores[short], ids[short] = exact_scores, exact_ids
        return _pad(scores, ids, k)

    def _search_selector(
        self, queries: np.ndarray, k: int, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        selector = faiss.IDSelectorBatch(allowed)
        if self.kind == "hnsw":
            params: faiss.SearchParameters = faiss.SearchParametersHNSW(
                sel=selector, efSearch=max(self.hnsw_ef_search, k)
            )
        else:
            params = faiss.SearchParameters(sel=selector)
        return self._index.search(queries, k, params=params)

    def _search_overfetch(
        self, queries: np.ndarray, k: int, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        fetch = min(len(self.records), GPU_MAX_K, max(8 * k, 64))
        raw_scores, raw_ids = self._index.search(queries, fetch)
        keep = np.isin(raw_ids, allowed)
        scores, ids = _empty(len(queries), k)
        for row in range(len(queries)):
            sel_ids = raw_ids[row][keep[row]][:k]
            scores[row, : len(sel_ids)] = raw_scores[row][keep[row]][:k]
            ids[row, : len(sel_ids)] = sel_ids
        return scores, ids

    def _search_exact_subset(
        self, queries: np.ndarray, k: int, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        # A temporary flat index over the allowed vectors searches with BLAS, several times
        # faster than a FAISS ID selector, which scores vector by vector.
        subset = faiss.IndexFlatIP(self.dim)
        subset.add(self._index.reconstruct_batch(allowed))
        scores, positions = subset.search(queries, k)
        return scores, allowed[positions]

    def search(
        self,
        queries: np.ndarray,
        k: int = 10,
        allowed_ids: AllowedIds | Sequence[AllowedIds] = None,
        *,
        per_query: bool = False,
    ) -> list[list[SearchHit]]:
        """Top-``k`` hits per query, best first.

        ``allowed_ids``: ``None`` (everything), one collection of ids applied to every query,
        or, with ``per_query=True``, one collection (or ``None``) per query. Queries that share
        the same collection object are searched together.
        """
        queries = _as_matrix(queries, self.dim)
        if not per_query:
            scores, ids = self.search_ids(queries, k, allowed_ids)  # type: ignore[arg-type]
            return [self._hits(s, i) for s, i in zip(scores, ids, strict=True)]
        per = list(allowed_ids or [])  # type: ignore[arg-type]
        if len(per) != len(queries):
            raise RetrievalError(f"{len(queries)} queries but {len(per)} allowed-id sets")
        groups: dict[int, list[int]] = {}
        for row, allowed in enumerate(per):
            groups.setdefault(id(allowed), []).append(row)
        results: list[list[SearchHit]] = [[] for _ in range(len(queries))]
        for rows in groups.values():
            scores, ids = self.search_ids(queries[rows], k, per[rows[0]])
            for row, s, i in zip(rows, scores, ids, strict=True):
                results[row] = self._hits(s, i)
        return results

    def search_texts(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        k: int = 10,
        allowed_ids: AllowedIds | Sequence[AllowedIds] = None,
        *,
        per_query: bool = False,
    ) -> list[list[SearchHit]]:
        """Encode ``texts`` with ``encoder`` (which must match the index) and search."""
        if self.encoder_name is not None and encoder.name != self.encoder_name:
            raise IndexMismatchError(
                f"index was built with encoder {self.encoder_name!r}, queried with {encoder.name!r}"
            )
        return self.search(encoder.encode(texts), k, allowed_ids, per_query=per_query)

    def _hits(self, scores: np.ndarray, ids: np.ndarray) -> list[SearchHit]:
        return [
            SearchHit(id=int(i), score=float(s), record=self.records[int(i)])
            for s, i in zip(scores, ids, strict=True)
            if i >= 0
        ]

    # ------------------------------------------------------------- persistence
    def cpu_index(self) -> faiss.Index:
        """The FAISS index on the CPU (a copy when the live index is on a GPU)."""
        return faiss.index_gpu_to_cpu(self._index) if self.on_gpu else self._index

    def save(self, folder: str | Path) -> Path:
        """Write the index folder (manifest last, so a half-written folder fails to load)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MANIFEST_FILE).unlink(missing_ok=True)
        faiss.write_index(self.cpu_index(), str(folder / FAISS_FILE))
        with (folder / RECORDS_FILE).open("w", encoding="utf-8") as fh:
            for record in self.records:
                fh.write(record.model_dump_json() + "\n")
        manifest = IndexManifest(
            dim=self.dim,
            kind=self.kind,
            count=len(self.records),
            encoder=self.encoder_name,
            hnsw_m=self.hnsw_m if self.kind == "hnsw" else None,
            hnsw_ef_construction=self.hnsw_ef_construction if self.kind == "hnsw" else None,
            hnsw_ef_search=self.hnsw_ef_search if self.kind == "hnsw" else None,
            faiss_sha256=_sha256(folder / FAISS_FILE),
            records_sha256=_sha256(folder / RECORDS_FILE),
        )
        (folder / MANIFEST_FILE).write_text(
            manifest.model_dump_json(indent=2) + "\n", encoding="utf-8"
        )
        return folder

    @classmethod
    def load(
        cls,
        folder: str | Path,
        *,
        expected_dim: int | None = None,
        expected_encoder: str | None = None,
        use_gpu: bool | None = None,
    ) -> VectorIndex:
        """Read a saved index, checking it is intact and (optionally) fits the encoder."""
        folder = Path(folder)
        manifest = read_manifest(folder)
        if expected_dim is not None and manifest.dim != expected_dim:
            raise IndexMismatchError(
                f"index at {folder} holds {manifest.dim}-d vectors but the encoder gives {expected_dim}-d"
            )
        if expected_encoder is not None and manifest.encoder not in (None, expected_encoder):
            raise IndexMismatchError(
                f"index at {folder} was built with encoder {manifest.encoder!r}, not {expected_encoder!r}"
            )
        for name, digest in (
            (FAISS_FILE, manifest.faiss_sha256),
            (RECORDS_FILE, manifest.records_sha256),
        ):
            path = folder / name
            if not path.is_file():
                raise IndexCorruptError(f"index at {folder} is missing {name}")
            if _sha256(path) != digest:
                raise IndexCorruptError(
                    f"{path} does not match the checksum in its manifest (damaged or replaced)"
                )
        try:
            cpu_index = faiss.read_index(str(folder / FAISS_FILE))
        except RuntimeError as exc:
            raise IndexCorruptError(f"FAISS cannot read {folder / FAISS_FILE}") from exc
        records = _read_records(folder / RECORDS_FILE)
        expected_type = faiss.IndexFlatIP if manifest.kind == "flat" else faiss.IndexHNSWFlat
        if (
            not isinstance(cpu_index, expected_type)
            or cpu_index.metric_type != faiss.METRIC_INNER_PRODUCT
        ):
            raise IndexCorruptError(
                f"{folder / FAISS_FILE} holds a {type(cpu_index).__name__}, manifest says {manifest.kind}"
            )
        if cpu_index.d != manifest.dim:
            raise IndexCorruptError(
                f"{folder / FAISS_FILE} is {cpu_index.d}-d, manifest says {manifest.dim}"
            )
        if not cpu_index.ntotal == manifest.count == len(records):
            raise IndexCorruptError(
                f"index at {folder}: {cpu_index.ntotal} vectors, {len(records)} records, "
                f"manifest count {manifest.count}"
            )
        index = cls.__new__(cls)
        index.dim = manifest.dim
        index.kind = manifest.kind
        index.encoder_name = manifest.encoder
        index.hnsw_m = manifest.hnsw_m or 32
        index.hnsw_ef_construction = manifest.hnsw_ef_construction or 80
        index.hnsw_ef_search = manifest.hnsw_ef_search or 64
        index.records = records
        if manifest.kind == "hnsw":
            cpu_index.hnsw.efSearch = index.hnsw_ef_search
        index._index = index._maybe_to_gpu(cpu_index, use_gpu)
        return index


def read_manifest(folder: Path) -> IndexManifest:
    """The validated manifest of a saved index folder."""
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise IndexLoadError(f"no index folder at {folder}")
    if not path.is_file():
        raise IndexLoadError(f"{folder} is not a saved index (no {MANIFEST_FILE})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorruptError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise IndexMismatchError(f"{path} is not a {FORMAT_NAME} manifest")
    if raw.get("version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{path} has format version {raw.get('version')!r}; this proofplan reads version {FORMAT_VERSION}"
        )
    try:
        return IndexManifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise IndexCorruptError(f"{path}: field {where!r}: {first['msg']}") from exc


def _read_records(path: Path) -> list[IndexRecord]:
    records = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            try:
                records.append(IndexRecord.model_validate_json(line))
            except ValidationError as exc:
                raise IndexCorruptError(f"{path}:{line_no} is not a valid record") from exc
    return records


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _as_matrix(vectors: np.ndarray, dim: int | None = None) -> np.ndarray:
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2:
        raise RetrievalError(f"expected a 2-d array of vectors, got shape {array.shape}")
    if dim is not None and array.shape[1] != dim:
        raise IndexMismatchError(f"vectors are {array.shape[1]}-d but the index is {dim}-d")
    return array


def _empty(rows: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((rows, k), -np.inf, dtype=np.float32), np.full((rows, k), -1, dtype=np.int64)


def _pad(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Widen results to ``k`` columns (id -1) when the index holds fewer than ``k`` vectors."""
    if ids.shape[1] >= k:
        return scores, ids
    out_scores, out_ids = _empty(ids.shape[0], k)
    out_scores[:, : ids.shape[1]] = scores
    out_ids[:, : ids.shape[1]] = ids
    return out_scores, out_ids
