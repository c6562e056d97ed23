"""Errors raised by the LLM backends (all are :class:`ProofplanError`, so the CLI prints one line)."""

from common.errors import ProofplanError


class LMError(ProofplanError):
    """A language-model request that cannot be served as asked."""


class ModelNotAvailableError(LMError):
    """The named model is not on this machine (nothing is ever downloaded)."""


class GenerationArgumentError(LMError, ValueError):
    """An invalid combination of generation arguments (n, beams, temperature, ...)."""


class LMServerError(LMError):
    """The OpenAI-compatible server answered with an error or a malformed response."""


class LMServerUnavailableError(LMServerError):
    """The OpenAI-compatible server could not be reached, even after retries."""
