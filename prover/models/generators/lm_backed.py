"""Tactic generator over any model behind ``lm/`` (local transformers model or an
OpenAI-compatible server such as vLLM), so that published provers plug in on a GPU.

The prompt is built from a template; the model's completions are cut to their first line
(one tactic), deduplicated keeping the best log-probability, and sorted best first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from prover.models.common import TacticCandidate
from prover.models.generators.inputs import PREMISE_PREFIX, fit_state, format_input


class CandidateLike(Protocol):
    text: str
    logprob: float


class LanguageModelLike(Protocol):
    """What this generator needs of :class:`lm.LanguageModel`."""

    def generate(self, prompts: list[str], **kwargs: Any) -> list[list[CandidateLike]]: ...


@dataclass(frozen=True)
class PromptTemplate:
    """How a goal (and premises) become a prompt. ``{premises}`` is one line per premise
    (``[P] ...``), ``{state}`` the goal state; ``kind="byt5"`` reuses our seq2seq input layout."""

    name: str
    text: str = ""
    kind: str = "format"
    max_state_bytes: int = 2048


TEMPLATES: dict[str, PromptTemplate] = {
    # Our seq2seq models' own input (premises then state, byte-bounded).
    "byt5": PromptTemplate("byt5", kind="byt5", max_state_bytes=512),
    # The [GOAL]/[PROOFSTEP] layout used by several published Lean step provers.
    "goal-proofstep": PromptTemplate("goal-proofstep", "{premises}[GOAL]{state}[PROOFSTEP]"),
    # A plain instruction for chat-tuned models served over an OpenAI-compatible API.
    "instruct": PromptTemplate(
        "instruct",
        "Useful lemmas:\n{premises}\nProof state:\n{state}\n\nNext tactic (one line, no explanation):\n",
    ),
}


def first_tactic(text: str) -> str:
    """The first non-empty line of a completion, without code fences."""
    for line in text.replace("```", "\n").splitlines():
        line = line.strip()
        if line and line.lower() not in {"coq", "lean", "lean4"}:
            return line
    return ""


class LMGenerator:
    """A :class:`prover.models.common.TacticGenerator` over an ``lm/`` language model."""

    def __init__(
        self,
        model: LanguageModelLike,
        template: PromptTemplate | str = "goal-proofstep",
        *,
        num_beams: int | None = None,
        temperature: float = 0.0,
        max_new_tokens: int = 64,
    ) -> None:
        self.model = model
        self.template = TEMPLATES[template] if isinstance(template, str) else template
        self.num_beams = num_beams
        self.temperature = temperature
        self.max_new_tokens = max_new_tokens

    def prompt(self, state: str, premises: Sequence[str]) -> str:
        t = self.template
        if t.kind == "byt5":
            return format_input(state, premises, max_bytes=t.max_state_bytes)
        lines = "".join(f"{PREMISE_PREFIX}{' '.join(p.split())}\n" for p in premises)
        return t.text.format(premises=lines, state=fit_state(state, t.max_state_bytes))

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        return self.suggest_batch([state], [premises], k)[0]

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]:
        if k <= 0 or not states:
            return [[] for _ in states]
        prompts = [self.prompt(s, p) for s, p in zip(states, premises, strict=True)]
        beams = self.num_beams if self.num_beams is not None else (k if self.temperature == 0 else 1)
        outputs = self.model.generate(
            prompts,
            n=k,
            num_beams=beams,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
        )
        results = []
        for candidates in outputs:
            best: dict[str, float] = {}
            for c in candidates:
                tactic = first_tactic(c.text)
                if tactic and math.isfinite(c.logprob) and c.logprob > best.get(tactic, -math.inf):
                    best[tactic] = c.logprob
            ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)[:k]
            results.append([TacticCandidate(t, s) for t, s in ranked])
        return results
