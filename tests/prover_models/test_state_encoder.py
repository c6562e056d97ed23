"""The TF-IDF and LSA state encoders: unit vectors, similar goals close, identical after save/load."""

import numpy as np

from prover.models.generators.state_encoder import (
    LsaStateEncoder,
    TfidfStateEncoder,
    state_features,
)
from retrieval.encoder import Encoder


def test_features_separate_goal_and_hypotheses():
    feats = state_features("n : nat\nH : n <= 3\n============================\nS n <= 4")
    assert "g:S" in feats and "g2:S n" in feats and "h:H" in feats
    assert "g:H" not in feats


def test_encoder_protocol_similarity_and_roundtrip(encoder, tmp_path):
    assert isinstance(encoder, Encoder)
    a = "x : nat\n============================\nx <= x"
    b = "y : nat\n============================\ny <= y"
    c = "n, m : nat\n============================\nn * m = m * n"
    v = encoder.encode([a, b, c])
    assert v.shape == (3, encoder.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    encoder.save(tmp_path)
    again = LsaStateEncoder.load(tmp_path)
    assert again.name == encoder.name
    assert np.allclose(again.encode([a, c]), encoder.encode([a, c]), atol=1e-6)
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_tfidf_encoder_is_sparse_exact_and_reloads(coq_dataset, tmp_path):
    from prover.models.generators.pipeline import load_examples

    states = [e.state for e in load_examples(coq_dataset, "random", "train")]
    enc = TfidfStateEncoder.fit(states)
    a = "x : nat\n============================\nx <= x"
    b = "y : nat\n============================\ny <= y"
    c = "n, m : nat\n============================\nn * m = m * n"
    m = enc.encode([a, b, c])
    assert m.shape == (3, enc.dim) and enc.dim == len(enc.vocabulary) and hasattr(m, "tocsr")
    assert np.allclose(np.sqrt(m.multiply(m).sum(axis=1)).ravel(), 1.0, atol=1e-5)
    sim = (m @ m.T).toarray()
    assert sim[0, 1] > sim[0, 2]
    enc.save(tmp_path)
    assert TfidfStateEncoder.exists(tmp_path) and not LsaStateEncoder.exists(tmp_path)
    again = TfidfStateEncoder.load(tmp_path)
    assert again.name == enc.name and (again.encode([a, c]) != enc.encode([a, c])).nnz == 0
