"""The shared LLM backend: one :class:`LanguageModel` interface, local and served backends.

``load_model("smollm2" | PATH | URL)`` picks the backend; ``generate`` returns ranked
:class:`Candidate` lists with sequence log-probabilities.
"""

from lm.base import Candidate, GenerationConfig, LanguageModel
from lm.errors import (
    GenerationArgumentError,
    LMError,
    LMServerError,
    LMServerUnavailableError,
    ModelNotAvailableError,
)
from lm.registry import DEFAULT_MODEL, load_model

__all__ = [
    "DEFAULT_MODEL",
    "Candidate",
    "GenerationArgumentError",
    "GenerationConfig",
    "LMError",
    "LMServerError",
    "LMServerUnavailableError",
    "LanguageModel",
    "ModelNotAvailableError",
    "load_model",
]
