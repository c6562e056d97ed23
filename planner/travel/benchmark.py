"""Run the planner over a TravelPlanner split and score it with our evaluator."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import ProofplanError
from planner.travel.api import Mode, plan_spec
from planner.travel.dataset import BenchmarkQuery, load_split
from planner.travel.evaluation import PlanEvaluator, aggregate
from planner.travel.spec import SpecError
from planner.travel.translate import Translator, field_accuracy


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
                done: dict[int, QueryResult] | None = None) -> list[QueryResult]:
    evaluator = PlanEvaluator()
    out = []
    for q in queries:
        if done and q.idx in done:
            out.append(done[q.idx])
            continue
        human = evaluator.evaluate(q.gold, q.annotated_plan).total_cost if q.annotated_plan else None
        t0 = time.perf_counter()
        predicted = None
        try:
            spec = translator.translate(q.query)
            predicted = spec.as_benchmark()
            t1 = time.perf_counter()
            outcome = plan_spec(spec, mode, q.reference, time_limit)
            res = QueryResult(q.idx, q.level, int(q.gold["days"]), outcome.plan, outcome.status, outcome.seconds,
                              t1 - t0, outcome.itinerary.total_cost if outcome.itinerary else None, human,
                              outcome.itinerary.optimal if outcome.itinerary else None, predicted, outcome.message)
        except (SpecError, ProofplanError) as exc:
            res = QueryResult(q.idx, q.level, int(q.gold["days"]), [], "error", 0.0, time.perf_counter() - t0,
                              None, human, None, predicted, str(exc))
        out.append(res)
        if progress:
            progress(res)
    return out


def summarise(queries: list[BenchmarkQuery], results: list[QueryResult], mode: str, translator: str) -> dict:
    """Every metric of EVALUATION.md, per level and per (level, days), plus translation and timing."""
    evaluator = PlanEvaluator()
    by_idx = {r.idx: r for r in results}
    verdicts, questions, groups = [], [], {}
    for q in queries:
        r = by_idx[q.idx]
        v = evaluator.evaluate(q.gold, r.plan)  # judged against the gold question, as the benchmark does
        verdicts.append(v)
        questions.append(q.gold)
        for key in (q.level, f"{q.level}/{q.gold['days']}d"):
            groups.setdefault(key, ([], []))
            groups[key][0].append(v)
            groups[key][1].append(q.gold)
    overall = aggregate(verdicts, questions)
    solve = [r.seconds for r in results if r.status != "error"]
    costs = [(r.total_cost, r.human_cost) for r in results if r.total_cost is not None and r.human_cost is not None]
    return {
        "split": queries[0].gold.get("split", "train") if queries else "",
        "mode": mode,
        "translator": translator,
        "n": overall.n,
        "final_pass_rate": overall.final_pass_rate,
        "metrics": overall.as_dict(),
        "per_level": {k: aggregate(*v).as_dict() for k, v in sorted(groups.items())},
        "translation_accuracy": field_accuracy([(r.predicted, q.gold) for q, r in
                                                ((q, by_idx[q.idx]) for q in queries)]),
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
        "failures": {q.idx: v.failures() for q, v in zip(queries, verdicts, strict=True) if not v.final_pass},
        "per_query": [r.to_json() | {"plan": None} for r in results],
    }


def run_eval(split: str, mode: Mode, translator: Translator, time_limit: float = 10.0,
             out: Path | None = None, limit: int | None = None,
             progress: Callable[[QueryResult], None] | None = None) -> dict:
    """Plan every query of `split`; results stream to `out`.jsonl (resumable), summary to `out`."""
    queries = load_split(split)[: limit or None]
    done: dict[int, QueryResult] = {}
    stream = None
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial.jsonl")
        key = {"split": split, "mode": mode, "translator": translator.name, "time_limit": time_limit}
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
        results = run_queries(queries, translator, mode, time_limit, on_result, done)
    finally:
        if stream is not None:
            stream.close()
    summary = summarise(queries, results, mode, translator.name)
    if out is not None:
        out.write_text(json.dumps(summary, indent=1))
        out.with_suffix(".partial.jsonl").unlink(missing_ok=True)
    return summary
