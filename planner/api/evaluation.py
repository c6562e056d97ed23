"""Scoring plans against the evaluation set.

A plan succeeds when it is valid (each call's inputs are available when it runs, given only the
values the request really states, the answers to its own ``get_info`` questions and earlier
outputs; required APIs ran before), reaches every reachable goal, asks ``get_info`` exactly for
the gold missing inputs, and marks exactly the gold unreachable goals as unreachable (with an
explanation). Plans are checked by simulation, independently of the planner.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel

from common.errors import ProofplanError
from common.results_file import open_for_append, read_done
from planner.api.catalog import Catalog, load_catalog
from planner.api.evalset import EvalCase
from planner.api.plan import ApiPlan
from planner.api.request import ApiRequest


class CaseOutcome(BaseModel):
    id: str
    category: str
    success: bool
    valid: bool
    reaches_goals: bool
    asks_exact: bool
    unreachable_ok: bool
    gold_calls_match: bool
    seconds: float
    reason: str = ""
    planner_seconds: float = 0.0


def check_plan(catalog: Catalog, case: EvalCase, plan: ApiPlan, seconds: float = 0.0) -> CaseOutcome:
    available = {v.type for v in case.provided}
    called: set[str] = set()
    problems: list[str] = []

    def has(t: str) -> bool:
        return any(catalog.satisfies(a, t) for a in available)

    for step in plan.steps:
        if step.kind == "get_info":
            if step.asks not in catalog.type_by_name:
                problems.append(f"get_info of unknown type {step.asks}")
                continue
            available.add(step.asks)
            continue
        api = catalog.api_by_name.get(step.api or "")
        if api is None:
            problems.append(f"unknown API {step.api}")
            continue
        for t in api.inputs.values():
            if not has(t):
                problems.append(f"{api.name} runs without {t}")
        for r in api.requires:
            if r not in called:
                problems.append(f"{api.name} runs before {r}")
        called.add(api.name)
        available.update(api.outputs.values())
    reach_goals = [g for g in case.goals if g not in case.gold.unreachable]
    unmet = [g for g in reach_goals if not has(g)]
    asked = sorted(plan.asked())
    asks_exact = asked == sorted(case.gold.missing)
    unreachable_ok = sorted(plan.unreachable) == case.gold.unreachable and all(plan.unreachable.values())
    valid = not problems
    reasons = problems[:2]
    if unmet:
        reasons.append(f"goals not reached: {unmet}")
    if not asks_exact:
        reasons.append(f"asked {asked}, gold {case.gold.missing}")
    if not unreachable_ok:
        reasons.append(f"unreachable {sorted(plan.unreachable)}, gold {case.gold.unreachable}")
    if plan.status in ("timeout", "failed"):
        reasons.append(f"planner {plan.status}: {plan.message}")
    return CaseOutcome(
        id=case.id,
        category=case.category,
        success=valid and not unmet and asks_exact and unreachable_ok and plan.status not in ("timeout", "failed"),
        valid=valid,
        reaches_goals=not unmet,
        asks_exact=asks_exact,
        unreachable_ok=unreachable_ok,
        gold_calls_match=sorted(plan.calls()) == sorted(case.gold.calls),
        seconds=seconds,
        reason="; ".join(reasons),
        planner_seconds=plan.timings.get("planner", 0.0),
    )


Translator = Callable[[Catalog, str], ApiRequest]


def run_case(case: EvalCase, catalog: Catalog, translate: Translator, planner: str = "auto",
             time_limit: float = 10.0) -> CaseOutcome:
    """Translate the case's text, plan it, and score the plan (the time covers both)."""
    from planner.api.pipeline import plan_request

    start = time.perf_counter()
    try:
        request = translate(catalog, case.text)
    except ProofplanError as exc:  # a translator that gives up fails this case, not the run
        return CaseOutcome(id=case.id, category=case.category, success=False, valid=False, reaches_goals=False,
                           asks_exact=False, unreachable_ok=False, gold_calls_match=False,
                           seconds=time.perf_counter() - start, reason=f"translation failed: {exc}")
    plan, _, _ = plan_request(catalog, request, planner=planner, time_limit=time_limit)  # type: ignore[arg-type]
    return check_plan(catalog, case, plan, time.perf_counter() - start)


def evaluate(cases: list[EvalCase], translate: Translator, planner: str = "auto", time_limit: float = 10.0,
             results_path: Path | None = None) -> Iterator[CaseOutcome]:
    """Score every case; with ``results_path``, append each outcome as it is made and skip done ones."""
    done = {out.id: out for out in read_done(results_path, CaseOutcome)}
    catalogs: dict[str, Catalog] = {}
    sink = open_for_append(results_path)
    try:
        for case in cases:
            if case.id in done:
                yield done[case.id]
                continue
            catalog = catalogs.setdefault(case.catalog, load_catalog(case.catalog))
            outcome = run_case(case, catalog, translate, planner, time_limit)
            if sink is not None:
                sink.write(outcome.model_dump_json() + "\n")
                sink.flush()
            yield outcome
    finally:
        if sink is not None:
            sink.close()


class Summary(BaseModel):
    total: int
    success: float
    by_category: dict[str, tuple[int, float]]
    gold_calls_match: float
    median_s: float
    p95_s: float


def summarise(outcomes: list[CaseOutcome]) -> Summary:
    by: dict[str, list[CaseOutcome]] = defaultdict(list)
    for o in outcomes:
        by[o.category].append(o)
    times = sorted(o.seconds for o in outcomes)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))] if times else 0.0
    return Summary(
        total=len(outcomes),
        success=sum(o.success for o in outcomes) / max(1, len(outcomes)),
        by_category={k: (len(v), sum(o.success for o in v) / len(v)) for k, v in sorted(by.items())},
        gold_calls_match=sum(o.gold_calls_match for o in outcomes) / max(1, len(outcomes)),
        median_s=statistics.median(times) if times else 0.0,
        p95_s=p95,
    )


def builtin_translator(catalog: Catalog, text: str) -> ApiRequest:
    from planner.api.extractor import extract

    return extract(catalog, text)


def dump_summary(summary: Summary) -> str:
    return json.dumps(summary.model_dump(), indent=2)
