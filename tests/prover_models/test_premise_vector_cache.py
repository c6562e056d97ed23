"""Premise vectors of the stock encoder are kept by text: a second corpus sharing premises encodes
only its new ones, and gets the same vectors as a fresh encoding."""

from __future__ import annotations

import numpy as np

from prover.models.premise_retriever import (
    PremiseEncoder,
    encode_premises_cached,
    load_encoder,
    premise_vector_cache,
)


def test_shared_premises_are_encoded_once(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PROOFPLAN_DATA", str(tmp_path))
    encoder = load_encoder(None)
    assert isinstance(encoder, PremiseEncoder) and encoder.adapter is None
    seen: list[list[str]] = []
    real = encoder.encode_premises

    def counting(texts, show_progress=False):
        seen.append(list(texts))
        return real(texts, show_progress=show_progress)

    monkeypatch.setattr(encoder, "encode_premises", counting)
    first = ["Lemma app_nil_r : forall l, l ++ [] = l.", "Definition double n := n + n."]
    a = encode_premises_cached(encoder, first)
    b = encode_premises_cached(encoder, [first[1], "Lemma add_0_r : forall n, n + 0 = n.", first[0]])
    assert seen == [sorted(first, key=lambda t: __import__("hashlib").sha1(t.encode()).hexdigest()),
                    ["Lemma add_0_r : forall n, n + 0 = n."]]
    assert np.allclose(b[0], a[1]) and np.allclose(b[2], a[0])
    assert np.allclose(b, real([first[1], "Lemma add_0_r : forall n, n + 0 = n.", first[0]]), atol=1e-5)
    assert premise_vector_cache(encoder.name).is_file()
