"""VectorIndex: exact and HNSW search, the allowed-id filter, save/load and its errors."""

import json

import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import (
    IndexCorruptError,
    IndexLoadError,
    IndexMismatchError,
    IndexRecord,
    RetrievalError,
    VectorIndex,
    l2_normalise,
)

DIM = 32


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, list[IndexRecord]]:
    rng = np.random.default_rng(seed)
    vectors = l2_normalise(rng.normal(size=(n, DIM)))
    records = [
        IndexRecord(key=f"k{i}", text=f"text {i}", meta={"file": f"F{i % 7}.v"}) for i in range(n)
    ]
    return vectors, records


def _brute(vectors: np.ndarray, queries: np.ndarray, k: int, allowed=None) -> np.ndarray:
    sims = queries @ vectors.T
    if allowed is not None:
        mask = np.full(len(vectors), -np.inf)
        mask[list(allowed)] = 0
        sims = sims + mask
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]


VECTORS, RECORDS = _data(600)
QUERIES = l2_normalise(np.random.default_rng(1).normal(size=(20, DIM)))
FLAT = VectorIndex.build(VECTORS, RECORDS, kind="flat")
HNSW = VectorIndex.build(VECTORS, RECORDS, kind="hnsw", hnsw_m=16, hnsw_ef_search=32)


def test_flat_search_matches_brute_force():
    hits = FLAT.search(QUERIES, k=10)
    expected = _brute(VECTORS, QUERIES, 10)
    assert [[h.id for h in row] for row in hits] == expected.tolist()
    first = hits[0][0]
    assert first.record == RECORDS[first.id]
    assert first.score == pytest.approx(float(QUERIES[0] @ VECTORS[first.id]), abs=1e-5)


def test_hnsw_recall_against_flat():
    _, flat_ids = FLAT.search_ids(QUERIES, 10)
    _, hnsw_ids = HNSW.search_ids(QUERIES, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(flat_ids, hnsw_ids, strict=True)])
    assert recall >= 0.9


@settings(max_examples=40, deadline=None)
@given(
    allowed=st.sets(st.integers(min_value=0, max_value=599), min_size=0, max_size=60),
    k=st.integers(min_value=1, max_value=15),
    kind=st.sampled_from(["flat", "hnsw"]),
)
def test_allowed_filter_returns_only_allowed_ids_and_the_best_of_them(allowed, k, kind):
    index = FLAT if kind == "flat" else HNSW
    hits = index.search(QUERIES[:4], k=k, allowed_ids=allowed)
    expected = _brute(VECTORS, QUERIES[:4], min(k, len(allowed)), allowed) if allowed else None
    for row, hit_row in enumerate(hits):
        ids = [h.id for h in hit_row]
        assert set(ids) <= allowed
        assert len(ids) == min(k, len(allowed))
        if allowed:
            assert ids == expected[row].tolist()


def test_per_query_filters():
    filters = [{1, 2, 3}, None, {599}]
    hits = FLAT.search(QUERIES[:3], k=5, allowed_ids=filters, per_query=True)
    assert {h.id for h in hits[0]} <= {1, 2, 3}
    assert [h.id for h in hits[1]] == _brute(VECTORS, QUERIES[1:2], 5)[0].tolist()
    assert [h.id for h in hits[2]] == [599]
    with pytest.raises(RetrievalError, match="allowed-id sets"):
        FLAT.search(QUERIES[:3], k=5, allowed_ids=[None], per_query=True)


def test_small_index_pads_and_add_assigns_ids():
    index = VectorIndex(DIM)
    assert index.search(QUERIES[:1], k=3) == [[]]
    assert index.add(VECTORS[:2], RECORDS[:2]) == [0, 1]
    assert index.add(VECTORS[2:3], RECORDS[2:3]) == [2]
    scores, ids = index.search_ids(QUERIES[:1], 5)
    assert sorted(ids[0][:3].tolist()) == [0, 1, 2] and ids[0][3:].tolist() == [-1, -1]
    with pytest.raises(IndexMismatchError, match="16-d"):
        index.add(np.zeros((1, 16), dtype=np.float32), RECORDS[:1])
    with pytest.raises(RetrievalError, match="records"):
        index.add(VECTORS[:2], RECORDS[:1])


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_save_load_round_trip(tmp_path, kind):
    index = FLAT if kind == "flat" else HNSW
    index.encoder_name = "enc-x"
    try:
        index.save(tmp_path / "ix")
    finally:
        index.encoder_name = None
    manifest = json.loads((tmp_path / "ix" / "manifest.json").read_text())
    assert manifest["dim"] == DIM and manifest["kind"] == kind and manifest["count"] == 600
    assert manifest["encoder"] == "enc-x"
    loaded = VectorIndex.load(tmp_path / "ix", expected_dim=DIM, expected_encoder="enc-x")
    assert loaded.records == RECORDS and loaded.kind == kind
    before = index.search_ids(QUERIES, 10, allowed_ids=range(0, 600, 3))
    after = loaded.search_ids(QUERIES, 10, allowed_ids=range(0, 600, 3))
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0])


@pytest.fixture()
def saved(tmp_path):
    VectorIndex.build(VECTORS[:50], RECORDS[:50], encoder_name="enc-x").save(tmp_path / "ix")
    return tmp_path / "ix"


def test_missing_folder_or_manifest(tmp_path):
    with pytest.raises(IndexLoadError, match="no index folder"):
        VectorIndex.load(tmp_path / "nothing")
    (tmp_path / "half").mkdir()
    with pytest.raises(IndexLoadError, match="no manifest.json"):
        VectorIndex.load(tmp_path / "half")


def test_truncated_faiss_file_is_corrupt(saved):
    data = (saved / "index.faiss").read_bytes()
    (saved / "index.faiss").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match="index.faiss does not match the checksum"):
        VectorIndex.load(saved)


def test_edited_records_are_corrupt(saved):
    lines = (saved / "records.jsonl").read_text().splitlines()
    (saved / "records.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(IndexCorruptError, match="records.jsonl does not match"):
        VectorIndex.load(saved)


def test_garbled_manifest_is_corrupt(saved):
    (saved / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="not valid JSON"):
        VectorIndex.load(saved)
    (saved / "manifest.json").write_text(
        json.dumps({"format": "proofplan-vector-index", "version": 1})
    )
    with pytest.raises(IndexCorruptError, match="field 'dim'"):
        VectorIndex.load(saved)


def test_manifest_that_disagrees_with_the_faiss_file_is_corrupt(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "dim": 64}))
    with pytest.raises(IndexCorruptError, match="32-d, manifest says 64"):
        VectorIndex.load(saved)
    (saved / "manifest.json").write_text(json.dumps({**manifest, "kind": "hnsw"}))
    with pytest.raises(IndexCorruptError, match="IndexFlatIP, manifest says hnsw"):
        VectorIndex.load(saved)


def test_faiss_garbage_with_matching_checksum_is_corrupt(saved):
    from retrieval.index import _sha256

    (saved / "index.faiss").write_bytes(b"this is not a faiss index" * 10)
    manifest = json.loads((saved / "manifest.json").read_text())
    manifest["faiss_sha256"] = _sha256(saved / "index.faiss")
    (saved / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="FAISS cannot read"):
        VectorIndex.load(saved)


def test_mismatched_encoder_dim_or_version(saved):
    with pytest.raises(IndexMismatchError, match="holds 32-d vectors but the encoder gives 384-d"):
        VectorIndex.load(saved, expected_dim=384)
    with pytest.raises(IndexMismatchError, match="built with encoder 'enc-x', not 'other'"):
        VectorIndex.load(saved, expected_encoder="other")
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(IndexMismatchError, match="format version 99"):
        VectorIndex.load(saved)


def test_gpu_request_without_gpu_is_an_error():
    if faiss.get_num_gpus() > 0:
        pytest.skip("a GPU is present")
    with pytest.raises(RetrievalError, match="no GPU"):
        VectorIndex(DIM, use_gpu=True)


def test_hnsw_graph_filter_and_overfetch_paths_keep_only_allowed(monkeypatch):
    """Large allowed sets use FAISS's selector on the HNSW graph; GPU indexes over-fetch and
    filter. Both must return only allowed ids, topped up exactly when the graph falls short."""
    import retrieval.index as index_module

    monkeypatch.setattr(index_module, "EXACT_SUBSET_MAX", 0)
    allowed = set(range(0, 600, 2))
    for row in HNSW.search(QUERIES, k=10, allowed_ids=allowed):
        assert len(row) == 10 and {h.id for h in row} <= allowed
    overfetching = VectorIndex.build(VECTORS, RECORDS, kind="flat")
    monkeypatch.setattr(overfetching, "on_gpu", True)
    for allowed in ({5, 17, 400}, set(range(0, 600, 2))):
        got = overfetching.search_ids(QUERIES, 10, allowed_ids=allowed)[1]
        want = _brute(VECTORS, QUERIES, min(10, len(allowed)), allowed)
        np.testing.assert_array_equal(got[:, : want.shape[1]], want)
