"""Run the planner over a TravelPlanner split and score it with our evaluator (and with the
re-implementation of the official scripts, reporting whether the two agree on every plan)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import ProofplanError
from planner.travel.api import Mode, plan_spec
from planner.travel.database import load_database, reference_flight_rows, with_flights
from planner.travel.dataset import BenchmarkQuery, load_queries_file, load_split
from planner.travel.evaluation import PlanEvaluator, aggregate
from planner.travel.official import OfficialChecks, Sandbox, official_scores
from planner.travel.spec import SpecError
from planner.travel.translate import Translator, field_accuracy, field_values, translate_checked


@dataclass
class QueryResult:
    idx: int
    level: str
    days: int
    plan: list[dict]
    status: str
    seconds: float
    translate_seconds: float
    total_cost: int | None
    human_cost: int | None
    optimal: bool | None
    predicted: dict | None
    error: str = ""

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class EvalRun:
    split: str
    mode: str
    translator: str
    results: list[QueryResult] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def run_queries(queries: list[BenchmarkQuery], translator: Translator, mode: Mode, time_limit: float,
                progress: Callable[[QueryResult], None] | None = None,
                done: dict[int, QueryResult] | None = None, db_root: Path | None = None) -> list[QueryResult]:
    evaluator = PlanEvaluator(with_flights(load_database(db_root), reference_flight_rows([q.reference for q in queries])))
    out = []
    for q in queries:
        if done and q.idx in done:
            out.append(done[q.idx])
            continue
        human = evaluator.evaluate(q.gold, q.annotated_plan).total_cost if q.annotated_plan and q.gold else None
        t0 = time.perf_counter()
        predicted = None
        days = int(q.gold["days"]) if q.gold else 0
        try:
            spec, doubts = translate_checked(translator, q.query)
            predicted = spec.as_benchmark()
            t1 = time.perf_counter()
            if doubts:  # never planned on a misread request: flagged, not planned
                res = QueryResult(q.idx, q.level, days or spec.days, [], "flagged", 0.0, t1 - t0, None, human, None,
                                  predicted, "; ".join(d.line() for d in doubts))
                out.append(res)
                if progress:
                    progress(res)
                continue
            outcome = plan_spec(spec, mode, q.reference, time_limit, db_root=db_root)
            message = outcome.message
            if outcome.status in ("unsat", "unknown") and q.annotated_plan:
                message = (message + "; " if message else "") + annotated_plan_note(spec, mode, q, db_root)
            res = QueryResult(q.idx, q.level, days or spec.days, outcome.plan, outcome.status, outcome.seconds,
                              t1 - t0, outcome.itinerary.total_cost if outcome.itinerary else None, human,
                              outcome.itinerary.optimal if outcome.itinerary else None, predicted, message)
        except (SpecError, ProofplanError) as exc:
            res = QueryResult(q.idx, q.level, days, [], "error", 0.0, time.perf_counter() - t0,
                              None, human, None, predicted, str(exc))
        out.append(res)
        if progress:
            progress(res)
    return out


def annotated_plan_note(spec, mode: Mode, q: BenchmarkQuery, db_root: Path | None) -> str:
    """Why a request the benchmark has an annotated plan for came out without one: the first of
    our constraints that rejects that plan (or that our constraints admit it)."""
    from planner.travel.api import world_for
    from planner.travel.database import load_background
    from planner.travel.plan_check import check_plan

    check = check_plan(spec, world_for(mode, q.reference, db_root), q.annotated_plan, load_background().city_state,
                       realism=False)
    if check.admitted:
        return "the annotated plan meets every constraint: the search missed it"
    return f"the annotated plan is {check.line()}"


def summarise(queries: list[BenchmarkQuery], results: list[QueryResult], mode: str, translator: str,
              db_root: Path | None = None, split: str = "train") -> dict:
    """Every metric of EVALUATION.md, per level and per (level, days), plus translation and timing;
    the same six figures by the re-implementation of the official scripts, and the queries where
    the two evaluators disagree on any check. Queries without structured fields are not scored."""
    # flights listed in reference information belong to the benchmark's full table, of which the
    # bundled one is a subset: both evaluators know them
    flights = reference_flight_rows([q.reference for q in queries])
    evaluator = PlanEvaluator(with_flights(load_database(db_root), flights))
    sandbox = Sandbox(db_root)
    sandbox.add_flights(flights)
    official = OfficialChecks(sandbox)
    by_idx = {r.idx: r for r in results}
    scored = [q for q in queries if q.gold]
    verdicts, questions, groups, official_verdicts, disagree = [], [], {}, [], []
    for q in scored:
        r = by_idx[q.idx]
        v = evaluator.evaluate(q.gold, r.plan)  # judged against the gold question, as the benchmark does
        o = official.evaluate(q.gold, r.plan)
        verdicts.append(v)
        official_verdicts.append(o)
        questions.append(q.gold)
        if not same_verdict(o, v):
            disagree.append(q.idx)
        for key in (q.level, f"{q.level}/{q.gold['days']}d"):
            groups.setdefault(key, ([], []))
            groups[key][0].append(v)
            groups[key][1].append(q.gold)
    overall = aggregate(verdicts, questions)
    solve = [r.seconds for r in results if r.status != "error"]
    costs = [(r.total_cost, r.human_cost) for r in results if r.total_cost is not None and r.human_cost is not None]
    return {
        "split": split,
        "mode": mode,
        "translator": translator,
        "n": len(queries),
        "scored": len(scored),
        "final_pass_rate": overall.final_pass_rate,
        "metrics": overall.as_dict(),
        "official_metrics": official_scores(questions, official_verdicts) if scored else {},
        "evaluators_disagree_on": disagree,
        "per_level": {k: aggregate(*v).as_dict() for k, v in sorted(groups.items())},
        "translation_accuracy": field_accuracy([(r.predicted, q.gold) for q, r in
                                                ((q, by_idx[q.idx]) for q in scored)]),
        "translation": translation_counts(scored, by_idx),
        "solve_seconds": {"median": statistics.median(solve) if solve else 0.0, "p95": percentile(solve, 0.95),
                          "max": max(solve, default=0.0)},
        "cost": {
            "ours_total": sum(c for c, _ in costs),
            "human_total": sum(h for _, h in costs),
            "never_more_expensive": all(c <= h for c, h in costs),
            "more_expensive_than_human": [r.idx for r in results if r.total_cost is not None
                                          and r.human_cost is not None and r.total_cost > r.human_cost],
            "provably_cheapest": sum(1 for r in results if r.optimal),
        },
        "failures": {q.idx: v.failures() for q, v in zip(scored, verdicts, strict=True) if not v.final_pass},
        "per_query": [r.to_json() | {"plan": None} for r in results],
    }


def translation_counts(scored: list[BenchmarkQuery], by_idx: dict[int, QueryResult]) -> dict:
    """Exact translations (every field as the file's columns say), requests flagged (a doubt or a
    one-line refusal: not planned), and requests planned on a misread (silently wrong)."""
    exact, flagged, silent = [], [], []
    for q in scored:
        r = by_idx[q.idx]
        right = r.predicted is not None and field_values(r.predicted) == field_values(q.gold)
        if r.status == "flagged" or r.predicted is None:
            flagged.append(q.idx)
        elif right:
            exact.append(q.idx)
        else:
            silent.append(q.idx)
    n = len(scored)
    return {"exact": len(exact) / n if n else 0.0, "flagged": flagged, "silently_wrong": silent}


def same_verdict(official, ours) -> bool:
    """Whether the official re-implementation and our evaluator decide every check alike."""
    if official.commonsense is None:
        return not ours.delivered
    if official.commonsense != ours.commonsense:
        return False
    if official.hard is None:
        return all(v in (None, False) for v in ours.hard.values())
    return official.hard == ours.hard and official.total_cost == ours.total_cost


def run_eval(split: str, mode: Mode, translator: Translator, time_limit: float = 10.0,
             out: Path | None = None, limit: int | None = None,
             progress: Callable[[QueryResult], None] | None = None, queries_file: Path | None = None,
             plans_out: Path | None = None, db_root: Path | None = None) -> dict:
    """Plan every query of `split` (or of `queries_file`, a split in the benchmark's CSV layout);
    results stream to `out`.jsonl (resumable), the summary to `out`, and with `plans_out` the
    plans in the leaderboard's submission format."""
    if queries_file is not None:
        queries = load_queries_file(queries_file, with_reference=mode == "sole")[: limit or None]
        split = Path(queries_file).name
    else:
        queries = load_split(split)[: limit or None]
    done: dict[int, QueryResult] = {}
    stream = None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial.jsonl")
        key = {"split": split, "mode": mode, "translator": translator.name, "time_limit": time_limit,
               "database": str(db_root) if db_root else None}
        if partial.exists():
            lines = partial.read_text().splitlines()
            if lines and json.loads(lines[0]) == key:
                for line in lines[1:]:
                    d = json.loads(line)
                    done[d["idx"]] = QueryResult(**d)
            else:
                partial.unlink()
        if not partial.exists():
            partial.write_text(json.dumps(key) + "\n")
        stream = partial.open("a")

    def on_result(r: QueryResult) -> None:
        if stream is not None:
            stream.write(json.dumps(r.to_json()) + "\n")
            stream.flush()
        if progress:
            progress(r)

    try:
        results = run_queries(queries, translator, mode, time_limit, on_result, done, db_root)
    finally:
        if stream is not None:
            stream.close()
    if plans_out is not None:
        from planner.travel.splits import SplitQuery, write_submission

        write_submission(plans_out, [SplitQuery(q.idx, q.query, q.level, q.gold, "") for q in queries],
                         {r.idx: r.plan for r in results})
    summary = summarise(queries, results, mode, translator.name, db_root, split)
    if out is not None:
        out.write_text(json.dumps(summary, indent=1))
        out.with_suffix(".partial.jsonl").unlink(missing_ok=True)
    return summary
