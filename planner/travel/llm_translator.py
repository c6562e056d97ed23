"""The LLM translator: ask a language model for TripSpec JSON, validate it, retry with the error.

The model's answer is only ever parsed as JSON data and validated by pydantic and the city
lists; it is never executed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import ValidationError

from lm.base import LanguageModel
from lm.json_text import decode_json
from planner.travel.database import Background, load_background
from planner.travel.spec import SpecError, TripSpec, describe_validation_error
from planner.travel.translate import check_places

EXAMPLE_REQUEST = ("Plan a 3-day trip for two people from Ithaca to Rockford, March 16th to March 18th, 2022, "
                   "with a budget of $1,700. We need pet-friendly private rooms, love Italian food and will not fly.")
EXAMPLE_SPEC = {
    "origin": "Ithaca", "destination": "Rockford", "days": 3, "visiting_city_number": 1,
    "dates": ["2022-03-16", "2022-03-17", "2022-03-18"], "people": 2, "budget": 1700,
    "local": {"house rule": "pets", "cuisine": ["Italian"], "room type": "private room", "transportation": "no flight"},
}
INSTRUCTIONS = """Translate the travel request into JSON with exactly these keys:
origin (city), destination (a city, or a US state when several cities are visited), days (int),
visiting_city_number (int: cities visited at the destination), dates (one YYYY-MM-DD per day),
people (int), budget (int, US dollars), local (object with keys "house rule" (one of smoking,
parties, children under 10, visitors, pets, or null), "cuisine" (list of Chinese, American, Italian,
Mexican, Indian, Mediterranean, French, or null), "room type" (shared room, not shared room,
private room, entire room, or null), "transportation" (no flight, no self-driving, or null)).
Optionally "extra": a list of {"type": T, "value": V} for further wishes (TYPES).
Answer with the JSON object only."""


def extract_json(text: str) -> dict:
    """The first JSON object in `text` (data only; raises ValueError when there is none)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("the answer contains no JSON object")
    obj = decode_json(text[start:], trailing_ok=True)
    if not isinstance(obj, dict):
        raise ValueError("the JSON answer is not an object")
    return obj


def validation_message(exc: Exception) -> str:
    """One line saying why a candidate was rejected."""
    if isinstance(exc, ValidationError):
        return describe_validation_error(exc)
    return str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__


@dataclass
class Attempt:
    prompt: str
    answer: str
    error: str | None = None


@dataclass
class LLMTranslator:
    """TripSpec from a language model's JSON, with validation feedback on failure."""

    model: LanguageModel
    max_attempts: int = 3
    max_new_tokens: int = 320
    background: Background = field(default_factory=load_background)
    name: str = "llm"
    history: list[Attempt] = field(default_factory=list)

    def build_prompt(self, text: str, feedback: Attempt | None = None) -> str:
        from planner.travel.extra import registry

        types = "; ".join(f"{k.type}: {k.doc}" for k in registry.all_types())
        parts = [INSTRUCTIONS.replace("TYPES", types), "", f"Request: {EXAMPLE_REQUEST}", f"JSON: {json.dumps(EXAMPLE_SPEC)}", "",
                 f"Request: {text}"]
        if feedback is not None:
            parts += [f"Previous answer: {feedback.answer.strip()[:600]}",
                      f"That answer was rejected: {feedback.error}. Give a corrected JSON object."]
        parts.append("JSON:")
        return "\n".join(parts)

    def translate(self, text: str) -> TripSpec:
        if not text or not text.strip():
            raise SpecError("empty request: describe a trip (origin, destination, dates, budget)")
        self.history = []
        feedback: Attempt | None = None
        for _ in range(self.max_attempts):
            prompt = self.build_prompt(text, feedback)
            cands = self.model.generate([prompt], n=1, num_beams=1, max_new_tokens=self.max_new_tokens,
                                        temperature=0.0)
            answer = cands[0][0].text if cands and cands[0] else ""
            attempt = Attempt(prompt, answer)
            self.history.append(attempt)
            try:
                spec = TripSpec.model_validate(extract_json(answer))
                return check_places(spec, self.background)
            except (ValueError, RecursionError) as exc:  # ValidationError and SpecError are ValueErrors
                attempt.error = validation_message(exc)
                feedback = attempt
        last = self.history[-1].error if self.history else "no answer"
        raise SpecError(f"the model gave no valid TripSpec in {self.max_attempts} attempts (last error: {last})")
