"""The LSA state encoder: unit vectors, similar goals close, identical after save/load."""

import numpy as np

from prover.models.generators.state_encoder import LsaStateEncoder, state_features
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
