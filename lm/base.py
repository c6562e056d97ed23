"""The one interface every LLM backend implements: prompts in, ranked candidates out.

``generate`` returns, for each prompt, a list of :class:`Candidate` sorted by ``logprob``
(highest first). ``logprob`` is the sum of the model's token log-probabilities (at
temperature 1, before any sampling transform) over the generated tokens that make up ``text``,
including the end-of-sequence token when the model emitted one.

Decoding is chosen by the arguments:

* ``num_beams > 1``: beam search with that width, the best ``n`` beams are returned
  (``n <= num_beams``);
* ``num_beams == 1`` and ``temperature > 0``: ``n`` independent samples;
* ``num_beams == 1`` and ``temperature == 0``: greedy decoding (``n`` must be 1).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lm.errors import GenerationArgumentError

FinishReason = Literal["stop", "length", ""]


@dataclass(frozen=True)
class Candidate:
    """One generated continuation and its sequence log-probability.

    ``token_logprobs``/``tokens`` hold the per-token parts when the backend reports them;
    ``finish_reason`` is ``"stop"`` (end of sequence or a stop string), ``"length"``
    (``max_new_tokens`` reached) or ``""`` when unknown.
    """

    text: str
    logprob: float
    token_logprobs: tuple[float, ...] = ()
    tokens: tuple[str, ...] = ()
    finish_reason: FinishReason = ""

    @property
    def num_tokens(self) -> int:
        return len(self.token_logprobs)


@dataclass(frozen=True)
class GenerationConfig:
    """The decoding arguments of one ``generate`` call, validated on construction."""

    n: int = 1
    num_beams: int = 1
    max_new_tokens: int = 64
    temperature: float = 0.0
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.n < 1:
            raise GenerationArgumentError(f"n must be >= 1, got {self.n}")
        if self.num_beams < 1:
            raise GenerationArgumentError(f"num_beams must be >= 1, got {self.num_beams}")
        if self.max_new_tokens < 1:
            raise GenerationArgumentError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if not math.isfinite(self.temperature) or self.temperature < 0:
            raise GenerationArgumentError(
                f"temperature must be finite and >= 0, got {self.temperature}"
            )
        if self.num_beams > 1 and self.n > self.num_beams:
            raise GenerationArgumentError(
                f"n={self.n} exceeds num_beams={self.num_beams}: beam search returns at most num_beams candidates"
            )
        if self.num_beams == 1 and self.temperature == 0 and self.n > 1:
            raise GenerationArgumentError(
                f"n={self.n} needs sampling (temperature > 0) or beam search (num_beams >= n); greedy gives one candidate"
            )
        if any(not s for s in self.stop):
            raise GenerationArgumentError("stop strings must be non-empty")

    @property
    def mode(self) -> str:
        """``"beam"``, ``"sample"`` or ``"greedy"``."""
        if self.num_beams > 1:
            return "beam"
        return "sample" if self.temperature > 0 else "greedy"


def truncate_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """Cut ``text`` before the earliest stop string; return the text and whether it was cut."""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates sorted by log-probability, best first (stable for ties)."""
    return sorted(candidates, key=lambda c: -c.logprob)


class LanguageModel(ABC):
    """A text generator that scores what it generates."""

    name: str = "model"

    @abstractmethod
    def generate_with(
        self, prompts: Sequence[str], config: GenerationConfig
    ) -> list[list[Candidate]]:
        """Candidates for each prompt under a validated config (backends implement this)."""

    def generate(
        self,
        prompts: Sequence[str],
        n: int = 1,
        num_beams: int = 1,
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> list[list[Candidate]]:
        """For each prompt, ``n`` candidates sorted by log-probability (see module docstring)."""
        if isinstance(prompts, str):
            raise GenerationArgumentError("prompts must be a list of strings, not one string")
        config = GenerationConfig(
            n=n,
            num_beams=num_beams,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            stop=tuple(stop),
        )
        if not prompts:
            return []
        return self.generate_with(list(prompts), config)

    def close(self) -> None:
        """Release resources (connections, processes); the default has none to release."""
        return None
