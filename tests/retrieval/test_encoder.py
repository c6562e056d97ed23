"""The sentence-transformer encoder: shapes, normalisation, meaning, local folders."""

import numpy as np
import pytest

from retrieval import (
    Encoder,
    EncoderLoadError,
    IndexRecord,
    SentenceTransformerEncoder,
    VectorIndex,
)


def test_bundled_encoder_gives_unit_float32_vectors(minilm):
    assert isinstance(minilm, Encoder)
    assert minilm.name == "all-MiniLM-L6-v2" and minilm.dim == 384
    vectors = minilm.encode(["n + 0 = n", "forall a b, a * b = b * a", "rev (rev l) = l"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.encode([]).shape == (0, 384)


def test_similar_texts_are_closer(minilm):
    a, b, c = minilm.encode(
        ["a cat sits on the mat", "a kitten is lying on the rug", "the stock market fell sharply"]
    )
    assert a @ b > a @ c + 0.2


def test_batching_does_not_change_vectors(minilm):
    texts = [f"lemma l{i} : {i} + n = n + {i}" for i in range(70)]
    together = minilm.encode(texts)
    alone = np.stack([minilm.encode([t])[0] for t in texts[::23]])
    np.testing.assert_allclose(together[::23], alone, atol=1e-4)


def test_local_sentence_transformer_folder_loads_the_same_model(minilm, tmp_path):
    minilm.model.save(str(tmp_path / "copy"))
    copy = SentenceTransformerEncoder(tmp_path / "copy", device="cpu")
    assert copy.name == "copy" and copy.dim == 384
    texts = ["app nil l = l", "length (app l m) = length l + length m"]
    np.testing.assert_allclose(copy.encode(texts), minilm.encode(texts), atol=1e-5)


def test_missing_or_invalid_folder_is_a_clear_error(tmp_path):
    with pytest.raises(EncoderLoadError, match="not found"):
        SentenceTransformerEncoder(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EncoderLoadError, match="no config.json"):
        SentenceTransformerEncoder(tmp_path / "empty")


def test_encoder_and_index_find_the_paraphrase(minilm):
    texts = [
        "addition of natural numbers is commutative",
        "reversing a list twice gives the list back",
        "the length of an appended list is the sum of the lengths",
        "every prime greater than two is odd",
    ]
    records = [IndexRecord(key=f"t{i}", text=t) for i, t in enumerate(texts)]
    index = VectorIndex.from_records(minilm, records)
    assert index.encoder_name == "all-MiniLM-L6-v2"
    hits = index.search_texts(minilm, ["reverse of reverse of a list", "n + m equals m + n"], k=2)
    assert hits[0][0].record.key == "t1"
    assert hits[1][0].record.key == "t0"
