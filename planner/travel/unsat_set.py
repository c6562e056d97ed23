"""Build and score the unsatisfiable request set (data/travel_unsat/unsat_train.jsonl).

Each item is a train query tightened by one or two constraints so that no plan exists, with
the reason kinds that explain it:
- budget: the budget set to 90% of the true minimum (the minimum is stored: the budget
  repair must equal it);
- transport: 'no flight' on a trip whose origin and destination have no driving route;
- accommodation: a room type (or room type and house rule) that no listing there offers;
- cuisine: a cuisine that no restaurant of the destination serves.
Single-city trips are planned over the database (two-stage), multi-city ones over the query's
reference information (sole planning).

    python -m planner.travel.unsat_set build    # writes the file
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common.paths import data_dir
from planner.travel.api import plan_spec, world_for
from planner.travel.dataset import load_split
from planner.travel.evaluation import ROOM_TYPE_OK
from planner.travel.spec import CUISINES, HOUSE_RULES, ROOM_TYPES, TripSpec


def unsat_path() -> Path:
    return data_dir() / "travel_unsat" / "unsat_train.jsonl"


@dataclass
class UnsatItem:
    id: str
    source_idx: int
    mode: str
    change: str
    spec: TripSpec
    expected_kinds: list[str]
    expected_min_budget: int | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "source_idx": self.source_idx, "mode": self.mode, "change": self.change,
                "spec": self.spec.model_dump(by_alias=True), "expected_kinds": self.expected_kinds,
                "expected_min_budget": self.expected_min_budget}

    @classmethod
    def from_json(cls, d: dict) -> UnsatItem:
        return cls(d["id"], d["source_idx"], d["mode"], d["change"], TripSpec.model_validate(d["spec"]),
                   d["expected_kinds"], d.get("expected_min_budget"))


def load_unsat_set(path: Path | None = None) -> list[UnsatItem]:
    p = path or unsat_path()
    if not p.exists():
        from common.errors import ProofplanError

        raise ProofplanError(f"unsat set {p} is missing (python -m planner.travel.unsat_set build)")
    return [UnsatItem.from_json(json.loads(x)) for x in p.read_text().splitlines() if x.strip()]


def build(path: Path | None = None, time_limit: float = 30.0) -> list[UnsatItem]:
    items: list[UnsatItem] = []
    for q in load_split("train"):
        spec = q.gold_spec
        mode = "two-stage" if spec.visiting_city_number == 1 else "sole"
        ref = q.reference if mode == "sole" else None
        best = plan_spec(spec.model_copy(update={"budget": 10**9}), mode, ref, time_limit)
        if best.status != "sat" or best.itinerary is None:
            continue
        minimum = best.itinerary.total_cost
        tight = spec.model_copy(update={"budget": int(minimum * 0.9)})
        items.append(UnsatItem(f"q{q.idx}-budget", q.idx, mode, f"budget {spec.budget} -> {tight.budget} "
                               f"(minimum {minimum})", tight, ["budget"], minimum))
        if spec.visiting_city_number != 1:
            continue
        world = world_for(mode, ref)
        dest = spec.destination
        if spec.local.transportation is None and world.drive(spec.origin, dest) is None:
            local = spec.local.model_copy(update={"transportation": "no flight"})
            items.append(UnsatItem(f"q{q.idx}-noflight", q.idx, mode, "transportation -> no flight",
                                   spec.model_copy(update={"local": local}), ["transport"]))
        listings = world.accommodations(dest)
        missing_types = [t for t in ROOM_TYPES if not any(ROOM_TYPE_OK[t](a.room_type) for a in listings)]
        if missing_types and spec.local.room_type is None:
            local = spec.local.model_copy(update={"room_type": missing_types[0]})
            items.append(UnsatItem(f"q{q.idx}-room", q.idx, mode, f"room type -> {missing_types[0]}",
                                   spec.model_copy(update={"local": local}), ["accommodation"]))
        else:
            for t in ("entire room", "private room", "shared room"):
                ok_type = [a for a in listings if ROOM_TYPE_OK[t](a.room_type)]
                rule = next((r for r in HOUSE_RULES if ok_type and all(f"No {r}" in a.house_rules for a in ok_type)),
                            None)
                if rule and spec.local.house_rule is None and spec.local.room_type is None:
                    local = spec.local.model_copy(update={"room_type": t, "house_rule": rule})
                    items.append(UnsatItem(f"q{q.idx}-room-rule", q.idx, mode, f"room type -> {t}, house rule -> {rule}",
                                           spec.model_copy(update={"local": local}), ["accommodation"]))
                    break
        served = {c for r in world.restaurants(dest) for c in CUISINES if c in ", ".join(r.cuisines)}
        absent = [c for c in CUISINES if c not in served]
        if absent:
            local = spec.local.model_copy(update={"cuisine": list(spec.local.cuisine or []) + [absent[0]]})
            items.append(UnsatItem(f"q{q.idx}-cuisine", q.idx, mode, f"add cuisine {absent[0]}",
                                   spec.model_copy(update={"local": local}), ["cuisine"]))
    # keep only items that really have no plan
    kept = []
    for it in items:
        ref = next(q.reference for q in load_split("train") if q.idx == it.source_idx) if it.mode == "sole" else None
        if plan_spec(it.spec, it.mode, ref, time_limit).status == "unsat":
            kept.append(it)
    out = path or unsat_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(it.to_json()) + "\n" for it in kept))
    return kept


@dataclass
class UnsatResult:
    id: str
    explained: bool
    repaired: bool
    budget_exact: bool | None
    kinds: list[str]
    expected: list[str]
    explain_seconds: float
    repair_seconds: float
    reasons: list[str]
    repairs: list[str]
    conflict_size: int = 0  # constraints in the explained conflict
    minimal: bool = False  # one conflict, proved minimal
    repairs_rechecked: int = 0  # repairs whose plan the official scripts' rules pass again


def evaluate(items: list[UnsatItem], time_limit: float = 10.0,
             progress: Callable[[UnsatResult], None] | None = None, stream: Path | None = None) -> dict:
    """Share explained correctly, share repaired with a verified plan, budget exactness, timing.
    With `stream`, each result is appended there as it is made and a rerun resumes."""
    from planner.travel.official import OfficialChecks
    from planner.travel.repairs import explain_and_repair

    official = OfficialChecks()
    refs = {q.idx: q.reference for q in load_split("train")}
    results = []
    done: dict[str, UnsatResult] = {}
    if stream is not None and stream.exists():
        for line in stream.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                done[d["id"]] = UnsatResult(**d)
    for it in items:
        if it.id in done:
            results.append(done[it.id])
            continue
        ref = refs[it.source_idx] if it.mode == "sole" else None
        report = explain_and_repair(it.spec, None, it.mode, ref, time_limit)
        kinds = sorted({r.kind for r in report.reasons})
        exact = None
        if it.expected_min_budget is not None:
            exact = report.min_cost_without_budget == it.expected_min_budget and any(
                r.kind == "raise_budget" and r.spec.budget == it.expected_min_budget for r in report.repairs)
        res = UnsatResult(it.id, report.status == "unsat" and kinds == sorted(set(it.expected_kinds)),
                          bool(report.repairs), exact, kinds, it.expected_kinds, report.explain_seconds,
                          report.repair_seconds, [r.text for r in report.reasons],
                          [r.description for r in report.repairs], len(report.core), report.minimal,
                          sum(official.evaluate(r.spec.as_benchmark(), r.plan).final_pass for r in report.repairs))
        results.append(res)
        if stream is not None:
            stream.parent.mkdir(parents=True, exist_ok=True)
            with stream.open("a") as fh:
                fh.write(json.dumps(res.__dict__) + "\n")
        if progress:
            progress(res)
    n = len(results)
    exacts = [r.budget_exact for r in results if r.budget_exact is not None]
    explain = [r.explain_seconds for r in results]
    return {
        "n": n,
        "explained_share": sum(r.explained for r in results) / n if n else 0.0,
        "repaired_share": sum(r.repaired for r in results) / n if n else 0.0,
        "budget_repair_exact_share": sum(exacts) / len(exacts) if exacts else None,
        "explain_seconds": {"median": statistics.median(explain) if explain else 0.0,
                            "p95": sorted(explain)[max(0, math.ceil(0.95 * n) - 1)] if explain else 0.0},
        "repair_seconds_median": statistics.median([r.repair_seconds for r in results]) if results else 0.0,
        "conflict_sizes": {str(k): v for k, v in sorted(Counter(r.conflict_size for r in results).items())},
        "minimal_share": sum(r.minimal for r in results) / n if n else 0.0,
        "repairs": sum(len(r.repairs) for r in results),
        "repairs_rechecked": sum(r.repairs_rechecked for r in results),
        "by_kind": {k: {"n": sum(1 for r in results if r.expected == [k]),
                        "explained": sum(1 for r in results if r.expected == [k] and r.explained)}
                    for k in sorted({x for r in results for x in r.expected})},
        "not_explained": [{"id": r.id, "got": r.kinds, "expected": r.expected, "reasons": r.reasons}
                          for r in results if not r.explained],
        "not_repaired": [r.id for r in results if not r.repaired],
        "per_item": [r.__dict__ for r in results],
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["build"]:
        t = time.perf_counter()
        kept = build()
        print(f"wrote {len(kept)} unsatisfiable requests to {unsat_path()} in {time.perf_counter() - t:.1f} s")
    else:
        print(__doc__)
