"""The BM25 baseline: tokenisation of formal text, ranking, filtering, persistence."""

import pytest

from retrieval import BM25Index, IndexLoadError, IndexRecord, RetrievalError
from retrieval.bm25 import tokenize

RECORDS = [
    IndexRecord(key="Nat.add_comm", text="Nat.add_comm : forall n m : nat, n + m = m + n"),
    IndexRecord(key="Nat.mul_comm", text="Nat.mul_comm : forall n m : nat, n * m = m * n"),
    IndexRecord(
        key="List.rev_involutive", text="rev_involutive : forall l : list A, rev (rev l) = l"
    ),
    IndexRecord(key="List.app_length", text="app_length : length (l ++ l') = length l + length l'"),
]
INDEX = BM25Index(RECORDS)


def test_tokenize_splits_identifiers():
    tokens = tokenize("rewrite Nat.add_comm.")
    assert tokens[:1] == ["rewrite"]
    assert {"nat.add_comm", "nat", "add_comm", "add", "comm"} <= set(tokens)


def test_lexical_match_ranks_first():
    assert INDEX.search("rev (rev xs) = xs", k=1)[0].record.key == "List.rev_involutive"
    hits = INDEX.search("n * m = m * n mul_comm", k=4)
    assert hits[0].record.key == "Nat.mul_comm"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(INDEX.search("length", k=10)) == 4


def test_filter_and_unknown_words():
    hits = INDEX.search("mul_comm", k=3, allowed_ids={0, 2})
    assert {h.id for h in hits} <= {0, 2} and len(hits) == 2
    assert INDEX.search("zzz unknown", k=2)[0].score == 0.0
    assert INDEX.search("mul_comm", k=3, allowed_ids=set()) == []
    many = INDEX.search_many(["rev", "app_length"], k=1, allowed_ids=[None, {3}])
    assert [m[0].id for m in many] == [2, 3]
    with pytest.raises(RetrievalError):
        INDEX.search("x", k=0)


def test_save_load(tmp_path):
    INDEX.save(tmp_path / "bm")
    loaded = BM25Index.load(tmp_path / "bm")
    assert loaded.records == RECORDS
    for q in ["rev rev", "n + m", "length app"]:
        assert [(h.id, h.score) for h in loaded.search(q, 3)] == [
            (h.id, h.score) for h in INDEX.search(q, 3)
        ]
    with pytest.raises(IndexLoadError, match="not a saved BM25 index"):
        BM25Index.load(tmp_path / "nothing")
