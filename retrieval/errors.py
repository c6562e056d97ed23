"""Errors of the retrieval layer: each is a :class:`ProofplanError` with a one-line message."""

from common.errors import ProofplanError


class RetrievalError(ProofplanError):
    """Base class of retrieval errors."""


class EncoderLoadError(RetrievalError):
    """An encoder's model files are missing or unreadable."""


class IndexLoadError(RetrievalError):
    """A saved index folder is missing, unreadable or corrupt."""


class IndexCorruptError(IndexLoadError):
    """A saved index's files exist but do not agree with their manifest (damaged on disk)."""


class IndexMismatchError(IndexLoadError):
    """A saved index is intact but was built for another encoder, dimension or index kind."""
