"""The travel planner's Python API: text or TripSpec in, a verified itinerary (or why not) out."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from planner.travel.database import (
    ReferenceWorld,
    World,
    load_background,
    load_database,
    reference_flight_rows,
    with_flights,
)
from planner.travel.encoding import Label
from planner.travel.evaluation import PlanEvaluator, PlanVerdict
from planner.travel.plan_format import Itinerary
from planner.travel.solver import plan_trip
from planner.travel.spec import SpecError, TripSpec
from planner.travel.translate import Translator, check_places

Mode = Literal["sole", "two-stage"]


@dataclass
class PlanOutcome:
    """What planning one request produced."""

    spec: TripSpec
    status: str  # "sat" (a verified plan), "unsat", "unknown" (time limit) or "rejected"
    itinerary: Itinerary | None = None
    verdict: PlanVerdict | None = None
    core: list[Label] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""

    @property
    def plan(self) -> list[dict]:
        return self.itinerary.to_benchmark() if self.itinerary is not None else []

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "spec": self.spec.model_dump(by_alias=True),
            "plan": self.plan,
            "total_cost": self.itinerary.total_cost if self.itinerary else None,
            "optimal": self.itinerary.optimal if self.itinerary else None,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "reasons": [{"kind": c.kind, "label": c.key, "text": c.text} for c in self.core],
        }


def make_translator(kind: str = "parser", model: str | None = None) -> Translator:
    """`parser` (built in, no model) or `llm` (through lm/; `model` names it)."""
    if kind == "parser":
        from planner.travel.parser import RuleBasedParser

        return RuleBasedParser()
    if kind == "llm":
        from lm.registry import load_model
        from planner.travel.llm_translator import LLMTranslator

        return LLMTranslator(load_model(model))
    raise SpecError(f"unknown translator {kind!r} (use 'parser' or 'llm')")


def load_spec_file(path: Path) -> TripSpec:
    """A TripSpec from JSON: our schema or the benchmark's structured fields."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SpecError(f"spec file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"spec file {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    try:
        spec = TripSpec.from_benchmark(data) if "org" in data else TripSpec.model_validate(data)
    except (ValueError, KeyError, TypeError) as exc:
        from planner.travel.llm_translator import validation_message

        raise SpecError(f"invalid spec in {path}: {validation_message(exc)}") from None
    return check_places(spec)


def world_for(mode: Mode, reference: dict | None = None, db_root: Path | None = None) -> World:
    """The reference information (sole planning) or the database (two-stage; `db_root` holds a
    `database/` folder in the benchmark's layout, the bundled one by default)."""
    if mode == "sole":
        if reference is None:
            raise SpecError("sole-planning mode needs the query's reference information")
        return ReferenceWorld(reference)
    return load_database(db_root)


def plan_spec(spec: TripSpec, mode: Mode = "two-stage", reference: dict | None = None,
              time_limit: float = 10.0,
              want_core: bool = True, db_root: Path | None = None) -> PlanOutcome:
    """Solve `spec` and re-check any plan with the benchmark evaluator (over the database at
    `db_root`) before calling it valid."""
    check_places(spec)
    world = world_for(mode, reference, db_root)
    start = time.perf_counter()
    known = load_background().city_state
    result = plan_trip(spec, world, known, time_limit=time_limit, want_core=want_core)
    left = time_limit - (time.perf_counter() - start)
    if result.status == "unsat" or (result.status == "unknown" and left > 1.0):
        # never stricter than the benchmark: its rules have no times on travel days
        left = max(1.0, left)
        relaxed = plan_trip(spec, world, known, time_limit=left, want_core=want_core, relax=True)
        if relaxed.status == "sat" or result.status == "unknown":
            result = relaxed
            if relaxed.status == "sat":
                result.message = ("no plan keeps every meal and drive within the travel times; this one keeps "
                                  "the benchmark's rules only" + (f" ({relaxed.message})" if relaxed.message else ""))
        result.seconds = time.perf_counter() - start
    out = PlanOutcome(spec, result.status, result.itinerary, core=result.core, seconds=result.seconds,
                      message=result.message)
    if result.itinerary is not None:
        # the reference information lists flights of the benchmark's full table: they are in its sandbox
        sandbox = with_flights(load_database(db_root), reference_flight_rows([reference]))
        verdict = PlanEvaluator(sandbox, strict=True).evaluate(spec.as_benchmark(), result.itinerary.to_benchmark())
        out.verdict = verdict
        if not verdict.final_pass:
            out.status = "rejected"
            out.message = "the evaluator rejected the plan: " + "; ".join(verdict.failures())
    return out


def plan_text(text: str, translator: Translator | None = None, mode: Mode = "two-stage",
              reference: dict | None = None, time_limit: float = 10.0) -> PlanOutcome:
    spec = (translator or make_translator("parser")).translate(text)
    return plan_spec(spec, mode, reference, time_limit)
