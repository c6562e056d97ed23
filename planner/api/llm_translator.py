"""LLM request translator: a language model from ``lm/`` writes the request's goals and values as
JSON; the JSON is parsed, validated against a schema and the catalog, and on failure the model is
asked again with the error appended (up to ``max_retries`` times). Model text is only parsed as
data, never run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, ValidationError

from common.errors import ProofplanError
from lm.base import LanguageModel
from lm.json_text import decode_json
from planner.api.catalog import Catalog, CatalogError
from planner.api.importers import RESULT
from planner.api.request import ApiRequest, ProvidedValue


class TranslationError(ProofplanError):
    """The model gave no valid translation within the allowed retries."""


class _ValueOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    value: str | int | float


class _TranslationOut(BaseModel):
    """The JSON schema the model must follow."""

    model_config = ConfigDict(extra="forbid")
    goals: list[str]
    values: list[_ValueOut] = []


@dataclass
class Attempt:
    prompt: str
    output: str
    error: str = ""


@dataclass
class LlmTranslation:
    request: ApiRequest | None
    attempts: list[Attempt] = field(default_factory=list)


def worked_example(catalog: Catalog) -> tuple[str, str]:
    """A short request and its JSON, built from the catalog's own vocabulary."""
    candidates = [
        a for a in catalog.apis
        if any(catalog.type_by_name[t].goal_phrases for t in a.outputs.values())
        and a.inputs and all(catalog.type_by_name[t].cues and catalog.type_by_name[t].askable for t in a.inputs.values())
    ]
    if not candidates:
        return "", ""
    api = min(candidates, key=lambda a: (len(a.inputs), a.name))
    goal = next(t for t in api.outputs.values() if catalog.type_by_name[t].goal_phrases)
    first = next(iter(api.inputs.values()))
    spec = catalog.type_by_name[first]
    pool = [v for n in catalog.ancestors(first) for v in catalog.type_by_name[n].values] or ["X"]
    value = pool[0]
    text = f"Please {catalog.type_by_name[goal].goal_phrases[0]} {spec.cues[0]} {value}."
    answer = json.dumps({"goals": [goal], "values": [{"type": first, "value": value}]})
    return text, answer


def build_prompt(catalog: Catalog, text: str) -> str:
    outputs = {t for a in catalog.apis for t in a.outputs.values()}
    inputs = {t for a in catalog.apis for t in a.inputs.values()}
    goals = [t.name for t in catalog.types if t.goal_phrases and t.name in outputs]
    if not goals:  # an imported catalog: each API's whole answer is a goal, named by its description
        goals = [f"{a.outputs[RESULT]} ({a.description})" for a in catalog.apis if RESULT in a.outputs]
    values = [f"{t.name} ({t.description})" for t in catalog.types if t.value != "none" and t.name in inputs]
    example_text, example_json = worked_example(catalog)
    example = f"Request: {example_text}\nJSON: {example_json}\n" if example_text else ""
    return (
        "Translate the request into JSON with keys \"goals\" (types the user wants) and \"values\" "
        "(a list of {\"type\": ..., \"value\": ...} for what the request states).\n"
        f"Goal types: {', '.join(goals)}\n"
        f"Value types: {'; '.join(values)}\n"
        f"{example}"
        f"Request: {text}\nJSON: "
    )


def parse_translation(catalog: Catalog, text: str, output: str) -> ApiRequest:
    """Parse and validate one model output; raise ValueError with a one-line reason."""
    match = re.search(r"\{.*\}", output, re.DOTALL)
    if match is None:
        raise ValueError("no JSON object in the output")
    raw = decode_json(match.group(0))
    try:
        parsed = _TranslationOut.model_validate(raw)
    except RecursionError:
        raise ValueError("schema: the JSON is nested too deeply") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"schema: {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    request = ApiRequest(
        text=text,
        goals=list(dict.fromkeys(parsed.goals)),
        values=[ProvidedValue(type=v.type, value=str(v.value)) for v in parsed.values],
    )
    try:
        request.check_against(catalog)
    except CatalogError as exc:
        raise ValueError(str(exc)) from None
    if not request.goals:
        raise ValueError("no goal given")
    for g in request.goals:
        if not catalog.type_by_name[g].goal_phrases and not catalog.producers(g):
            raise ValueError(f"{g} is not something an API produces")
    return request


class LlmTranslator:
    """Translate request text with a :class:`lm.base.LanguageModel`, validating and retrying."""

    def __init__(self, model: LanguageModel, max_retries: int = 2, max_new_tokens: int = 160,
                 num_candidates: int = 1) -> None:
        self.model = model
        self.max_retries = max_retries
        self.max_new_tokens = max_new_tokens
        self.num_candidates = num_candidates
        self.last: LlmTranslation | None = None

    def translate_detailed(self, catalog: Catalog, text: str) -> LlmTranslation:
        prompt = build_prompt(catalog, text)
        attempts: list[Attempt] = []
        for _ in range(self.max_retries + 1):
            n = self.num_candidates
            candidates = self.model.generate(
                [prompt], n=n, num_beams=n, max_new_tokens=self.max_new_tokens, temperature=0.0,
                stop=("\nRequest:", "\n\n"),
            )[0]
            error = ""
            for cand in candidates:
                try:
                    request = parse_translation(catalog, text, cand.text)
                except ValueError as exc:
                    error = str(exc)
                    attempts.append(Attempt(prompt, cand.text, error))
                    continue
                attempts.append(Attempt(prompt, cand.text))
                return LlmTranslation(request, attempts)
            prompt = f"{build_prompt(catalog, text)}\nYour previous answer was rejected ({error}). Answer with valid JSON only.\nJSON: "
        return LlmTranslation(None, attempts)

    def translate(self, catalog: Catalog, text: str) -> ApiRequest:
        result = self.last = self.translate_detailed(catalog, text)
        if result.request is None:
            last = result.attempts[-1].error if result.attempts else "no output"
            raise TranslationError(
                f"the model gave no valid translation in {len(result.attempts)} attempts (last: {last})"
            )
        return result.request
