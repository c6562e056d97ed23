"""k-NN generator (TF-IDF states in a sparse index, or LSA vectors in FAISS) and the generator mixture."""

from __future__ import annotations

import math

import pytest

from prover.models.common import TacticCandidate, TacticGenerator
from prover.models.generators.combined import MixtureGenerator, mix
from prover.models.generators.knn import KnnGenerator
from prover.models.generators.pipeline import load_examples
from prover.models.generators.sparse_index import SparseStateIndex
from prover.models.generators.state_encoder import LsaStateEncoder, TfidfStateEncoder
from retrieval.index import VectorIndex


@pytest.fixture(scope="module", params=["tfidf", "lsa"])
def knn(request, encoder, coq_dataset):
    train = load_examples(coq_dataset, "random", "train")
    if request.param == "tfidf":
        encoder = TfidfStateEncoder.fit([e.state for e in train])
    return KnnGenerator.build(encoder, [e.state for e in train], [e.tactic for e in train])


def test_the_tfidf_memory_is_sparse_and_grows_online(knn, tmp_path):
    kind = SparseStateIndex if getattr(knn.encoder, "sparse", False) else VectorIndex
    assert isinstance(knn.index, kind)
    if kind is VectorIndex:
        return
    state = "l : list bool\n============================\nlength (rev l) = length l"
    before = knn.suggest(state, [], 4)
    n = len(knn.index)
    fresh = KnnGenerator(knn.encoder, SparseStateIndex(knn.index.matrix, list(knn.index.records),
                                                       knn.encoder.name), knn.settings)
    ids = fresh.add([state], ["apply rev_length."])
    assert ids == [n] and len(fresh.index) == n + 1 and len(knn.index) == n
    grown = fresh.suggest(state, [], 4)
    assert grown[0].tactic == "apply rev_length."
    fresh.save(tmp_path / "grown")
    fresh.blocked = frozenset(ids)  # an online run hides a theorem's own memory from its search
    assert fresh.suggest(state, [], 4) == before
    again = KnnGenerator.load(tmp_path / "grown")
    assert isinstance(again.index, SparseStateIndex) and len(again.index) == n + 1
    assert again.suggest(state, [], 4) == grown
    # the same folder rebuilt with the LSA projection loads as that, not as the old sparse index
    lsa = KnnGenerator.build(LsaStateEncoder.fit([r.text for r in knn.index.records], dim=16),
                             [r.text for r in knn.index.records], [r.key for r in knn.index.records])
    lsa.save(tmp_path / "grown")
    assert isinstance(KnnGenerator.load(tmp_path / "grown").index, VectorIndex)


def test_knn_returns_tactics_of_similar_states(knn, coq_dataset):
    assert isinstance(knn, TacticGenerator)
    test = load_examples(coq_dataset, "random", "test")
    out = knn.suggest_batch([e.state for e in test], [[] for _ in test], 8)
    for candidates in out:
        scores = [c.logprob for c in candidates]
        assert candidates and len(candidates) <= 8
        assert scores == sorted(scores, reverse=True)
        assert all(math.isfinite(s) and s <= 0 for s in scores)
        assert sum(math.exp(s) for s in scores) <= 1 + 1e-6
    # tactic families in the fixture depend on the goal's shape; the nearest states share it
    top1 = sum(cands[0].tactic == e.tactic for e, cands in zip(test, out, strict=True))
    top8 = sum(e.tactic in [c.tactic for c in cands] for e, cands in zip(test, out, strict=True))
    assert top8 >= top1 and top8 >= len(test) // 2


def test_knn_exact_state_ranks_its_tactic_first(knn):
    state = "n, a : nat\n============================\nn + a = a + n"
    best = knn.suggest(state, [], 3)
    assert best[0].tactic in {"apply Nat.add_comm."}


def test_knn_save_load_roundtrip(knn, tmp_path):
    knn.save(tmp_path / "knn")
    again = KnnGenerator.load(tmp_path / "knn")  # with the encoder saved beside the index
    assert again.encoder.name == knn.encoder.name
    state = "x : nat\n============================\nx <= x"
    assert again.suggest(state, [], 5) == knn.suggest(state, [], 5)


def test_mixture_adds_probability_of_shared_tactics():
    a = [TacticCandidate("auto.", math.log(0.5)), TacticCandidate("lia.", math.log(0.4))]
    b = [TacticCandidate("lia.", math.log(0.3)), TacticCandidate("simpl.", math.log(0.6))]
    mixed = mix([a, b], [math.log(0.5), math.log(0.5)], 3)
    assert [c.tactic for c in mixed] == ["lia.", "simpl.", "auto."]
    assert mixed[0].logprob == pytest.approx(math.log(0.35))
    assert mix([a, b], [0.0, -math.inf], 5) == a


class _Fixed:
    def __init__(self, cands):
        self.cands = cands

    def suggest(self, state, premises, k):
        return self.cands[:k]

    def suggest_batch(self, states, premises, k):
        return [self.cands[:k] for _ in states]


def test_mixture_generator_batches_and_validates(knn):
    fixed = _Fixed([TacticCandidate("lia.", -0.1)])
    gen = MixtureGenerator([knn, fixed], [1.0, 1.0])
    out = gen.suggest_batch(["x : nat\n============================\nx <= x"] * 2, [[], []], 4)
    assert len(out) == 2 and any(c.tactic == "lia." for c in out[0])
    with pytest.raises(ValueError):
        MixtureGenerator([knn], [1.0, 2.0])
