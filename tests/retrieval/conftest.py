"""Fixtures of the retrieval tests: the bundled encoder, loaded once per session."""

import pytest

from retrieval.encoder import SentenceTransformerEncoder


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(device="cpu")
