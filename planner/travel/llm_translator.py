"""The LLM translator: a language model reads what the rule parser could not, under a time bound.

Two modes:

* ``fill`` (the default): the rule parser reads the request first. When it reads every required
  field the model is not needed (and not even loaded). Otherwise the model is asked, in a short
  prompt, only for the missing fields, as a flat JSON object. Each value must be grounded in the
  request (a city named in it, a number written in it), so a model cannot invent a budget the
  user never gave; a rejected answer is retried with the reason.
* ``full``: the model writes the whole TripSpec as JSON, validated by pydantic and the city
  lists, and retried with the validation error.

Every step is reported through ``log`` (model load and its time, each attempt and its outcome),
and the whole translation, model load included, stops at ``timeout`` seconds with a one-line
SpecError. The model's answer is only ever parsed as JSON data and validated; it is never executed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

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
# what the fill prompt asks for each field the parser could not read
FILL_KEYS = {
    "origin": '"origin": the city the trip starts from',
    "destination": '"destination": the city (or US state) the trip goes to',
    "days": '"days": the trip length in days (integer)',
    "dates": '"start_date": the first day of the trip as YYYY-MM-DD',
    "budget": '"budget": the total budget in US dollars (integer)',
}
DEFAULT_TIMEOUT = 120.0
Mode = Literal["fill", "full"]


def extract_json(text: str) -> dict:
    """The first JSON object in `text` (data only; raises ValueError when there is none)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("the answer contains no JSON object")
    obj = decode_json(text[start:], trailing_ok=True)
    if not isinstance(obj, dict):
        raise ValueError("the JSON answer is not an object")
    return obj


def flat_pairs(text: str) -> dict:
    """The `"key": value` pairs of a flat JSON object, also when the model broke off mid-object."""
    try:
        return extract_json(text)
    except (ValueError, RecursionError):
        pass
    pairs = re.findall(r'"(\w+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d[\d,]*(?:\.\d+)?|null|true|false)', text)
    if not pairs:
        raise ValueError("the answer contains no JSON object")
    out: dict = {}
    for key, raw in pairs:
        if key not in out:
            out[key] = json.loads(raw.replace(",", "")) if raw[0].isdigit() or raw[0] == "-" else json.loads(raw)
    return out


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
    seconds: float = 0.0


class _Deadline:
    """Runs blocking calls (model load, generation) in a worker thread, up to a shared end time."""

    def __init__(self, seconds: float, log: Callable[[str], None]) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.log = log
        self.abandoned: threading.Thread | None = None  # a call still running past the limit

    def left(self) -> float:
        return self.end - time.monotonic()

    def run(self, what: str, fn: Callable[[], Any]) -> Any:
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the caller's thread below
                box["error"] = exc

        worker = threading.Thread(target=work, name=f"llm-{what}", daemon=True)
        worker.start()
        worker.join(max(0.0, self.left()))
        if worker.is_alive():
            self.abandoned = worker
            raise SpecError(f"the language model translator stopped at its time limit of {self.seconds:g} s "
                            f"during {what} (raise --llm-timeout, or use --translator parser)")
        if "error" in box:
            raise box["error"]
        return box["value"]


@dataclass
class LLMTranslator:
    """TripSpec from a language model, checked and retried, within `timeout` seconds.

    `model` is a LanguageModel or a zero-argument loader of one (loaded on first need, timed)."""

    model: LanguageModel | Callable[[], LanguageModel]
    mode: Mode = "fill"
    max_attempts: int = 3
    max_new_tokens: int = 320
    timeout: float = DEFAULT_TIMEOUT
    log: Callable[[str], None] = field(default=lambda _msg: None)
    background: Background = field(default_factory=load_background)
    parser: Any = None  # the RuleBasedParser of fill mode (default: one over `background`)
    name: str = "llm"
    history: list[Attempt] = field(default_factory=list)
    model_calls: int = 0
    _abandoned: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("fill", "full"):
            raise SpecError(f"LLM translator mode must be fill or full, got {self.mode!r}")
        if not self.timeout > 0:
            raise SpecError(f"the LLM time limit must be positive (got {self.timeout})")
        if self.max_attempts < 1:
            raise SpecError(f"max_attempts must be at least 1 (got {self.max_attempts})")

    # ------------------------------------------------------------------ model
    def _model(self, deadline: _Deadline) -> LanguageModel:
        if isinstance(self.model, LanguageModel):
            return self.model
        self.log("loading the language model ...")
        start = time.perf_counter()
        self.model = deadline.run("the model load", self.model)
        self.log(f"model {getattr(self.model, 'name', 'model')} loaded in {time.perf_counter() - start:.1f} s")
        return self.model

    def _ask(self, deadline: _Deadline, prompt: str, max_new_tokens: int, stop: tuple[str, ...],
             number: int) -> Attempt:
        model = self._model(deadline)
        self.log(f"attempt {number}/{self.max_attempts}: asking {getattr(model, 'name', 'the model')} "
                 f"(up to {max_new_tokens} new tokens, {max(0.0, deadline.left()):.0f} s left) ...")
        start = time.perf_counter()
        cands = deadline.run(f"attempt {number}", lambda: model.generate(
            [prompt], n=1, num_beams=1, max_new_tokens=max_new_tokens, temperature=0.0, stop=stop))
        self.model_calls += 1
        answer = cands[0][0].text if cands and cands[0] else ""
        attempt = Attempt(prompt, answer, seconds=time.perf_counter() - start)
        self.history.append(attempt)
        return attempt

    def _rejected(self, attempt: Attempt, exc: Exception) -> None:
        attempt.error = validation_message(exc)
        self.log(f"attempt {len(self.history)} answered in {attempt.seconds:.1f} s and was rejected: {attempt.error}")

    # ------------------------------------------------------------------ entry point
    def translate(self, text: str) -> TripSpec:
        if not text or not text.strip():
            raise SpecError("empty request: describe a trip (origin, destination, dates, budget)")
        self.history = []
        if self._abandoned is not None and self._abandoned.is_alive():
            # a call cut off by the last request's limit still holds the model: let it end first
            self.log("waiting for the previous request's cut-off model call to end ...")
            self._abandoned.join()
        deadline = _Deadline(self.timeout, self.log)
        try:
            if self.mode == "fill":
                return self._fill(text, deadline)
            return self._full(text, deadline)
        finally:
            self._abandoned = deadline.abandoned

    # ------------------------------------------------------------------ fill mode
    def _fill(self, text: str, deadline: _Deadline) -> TripSpec:
        from planner.travel.parser import RuleBasedParser

        parser = self.parser or RuleBasedParser(self.background)
        reading = parser.read(text)
        missing = reading.missing()
        if not missing:
            self.log("the rule parser read every field; the model is not needed")
            return parser.to_spec(reading)
        if reading.places_seen == 0 and reading.start is None and reading.budget is None:
            return parser.to_spec(reading)  # not a travel request: the parser's one-line refusal
        self.log(f"the rule parser could not read: {', '.join(missing)}; asking the model for them")
        known = {k: v for k, v in (("origin", reading.origin), ("destination", reading.destination),
                                   ("days", reading.days), ("people", reading.people)) if v is not None}
        keys = [FILL_KEYS[m] for m in missing]
        base = ("Read the travel request and answer with one JSON object holding only these keys, "
                "with the values the request states:\n" + "\n".join(keys)
                + f"\nAlready known: {json.dumps(known)}\nRequest: {' '.join(text.split())}")
        feedback = ""
        for number in range(1, self.max_attempts + 1):
            prompt = base + feedback + "\nJSON: {"
            attempt = self._ask(deadline, prompt, 24 * len(missing) + 16, ("}",), number)
            try:
                values = flat_pairs("{" + attempt.answer)
                filled = self._merge(reading, missing, values, text, parser)
                spec = parser.to_spec(filled)
            except (ValueError, RecursionError) as exc:
                self._rejected(attempt, exc)
                feedback = f"\nYour previous answer {{{attempt.answer.strip()[:200]}}} was rejected: {attempt.error}."
                continue
            self.log(f"attempt {number} answered in {attempt.seconds:.1f} s and was accepted")
            return spec
        last = self.history[-1].error if self.history else "no answer"
        raise SpecError(f"missing field{'s' if len(missing) > 1 else ''}: {', '.join(missing)} (the rule parser could "
                        f"not read them and the model gave no usable value in {self.max_attempts} attempts; "
                        f"last: {last})")

    def _merge(self, reading, missing: list[str], values: dict, text: str, parser) -> Any:
        from planner.travel.request_numbers import spell_out_numbers

        norm = spell_out_numbers(text).lower()
        out = reading.__class__(**{**reading.__dict__})
        for key in missing:
            name = "start_date" if key == "dates" else key
            value = values.get(name)
            if value is None:
                raise ValueError(f"{name}: the request does not say (null)")
            if key in ("origin", "destination"):
                if not isinstance(value, str) or not _named_in(value, text):
                    raise ValueError(f"{name}: {value!r} is not named in the request")
                setattr(out, key, value.strip())
            elif key in ("days", "budget"):
                number = _as_int(value, name)
                if key == "budget" and number < 50:
                    raise ValueError(f"budget: {number} is too small to be a trip's budget in US dollars")
                if not _number_in(number, norm, thousands=key == "budget"):
                    raise ValueError(f"{name}: {number} is not written in the request")
                setattr(out, key, number)
            else:
                try:
                    start = dt.date.fromisoformat(str(value))
                except ValueError:
                    raise ValueError(f"start_date: {value!r} is not a YYYY-MM-DD date") from None
                if not re.search(rf"(?<!\d)0?{start.day}(?!\d)", norm):
                    raise ValueError(f"start_date: day {start.day} is not written in the request")
                out.start = start
        if out.days is None and out.start is not None:
            raise ValueError("days: the trip length is unknown")
        return out

    # ------------------------------------------------------------------ full mode
    def build_prompt(self, text: str, feedback: Attempt | None = None) -> str:
        from planner.travel.extra import registry

        types = "; ".join(f"{k.type}: {k.doc}" for k in registry.all_types())
        parts = [INSTRUCTIONS.replace("TYPES", types), "", f"Request: {EXAMPLE_REQUEST}",
                 f"JSON: {json.dumps(EXAMPLE_SPEC)}", "", f"Request: {text}"]
        if feedback is not None:
            parts += [f"Previous answer: {feedback.answer.strip()[:600]}",
                      f"That answer was rejected: {feedback.error}. Give a corrected JSON object."]
        parts.append("JSON:")
        return "\n".join(parts)

    def _full(self, text: str, deadline: _Deadline) -> TripSpec:
        feedback: Attempt | None = None
        for number in range(1, self.max_attempts + 1):
            attempt = self._ask(deadline, self.build_prompt(text, feedback), self.max_new_tokens, ("\n\n",), number)
            try:
                spec = TripSpec.model_validate(extract_json(attempt.answer))
                spec = check_places(spec, self.background)
            except (ValueError, RecursionError) as exc:  # ValidationError and SpecError are ValueErrors
                self._rejected(attempt, exc)
                feedback = attempt
                continue
            self.log(f"attempt {number} answered in {attempt.seconds:.1f} s and was accepted")
            return spec
        last = self.history[-1].error if self.history else "no answer"
        raise SpecError(f"the model gave no valid TripSpec in {self.max_attempts} attempts (last error: {last})")


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name}: {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\$?\s*\d[\d,]*", value.strip()):
        return int(re.sub(r"[^\d]", "", value))
    raise ValueError(f"{name}: {value!r} is not a whole number")


def _number_in(number: int, norm: str, thousands: bool) -> bool:
    """Whether `number` is written in the (spelled-out, lower-case) request, as 1700, 1,700 or 1.7k."""
    forms = {str(number), f"{number:,}"}
    if thousands and number % 100 == 0:
        forms.add(f"{number / 1000:g}k")
    return any(re.search(rf"(?<![\d,.]){re.escape(f)}(?![\d,])", norm) for f in forms)


def _named_in(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name.strip())}(?!\w)", text, re.I) is not None


def load_translator(model_name: str | None = None, *, mode: Mode = "fill", timeout: float = DEFAULT_TIMEOUT,
                    max_attempts: int = 2, log: Callable[[str], None] | None = None) -> LLMTranslator:
    """An LLM translator whose model (`lm.registry.load_model(model_name)`) loads on first need."""

    def load() -> LanguageModel:
        from lm.registry import load_model

        if not str(model_name or "").startswith(("http://", "https://")):
            import torch

            torch.set_num_threads(1)  # 2 threads on a shared 2-core machine stall generation
        return load_model(model_name)

    return LLMTranslator(load, mode=mode, timeout=timeout, max_attempts=max_attempts,
                         log=log or (lambda _msg: None))
