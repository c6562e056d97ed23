"""End to end through z3: plans pass every benchmark check, cost what z3 says, and are cheapest."""

import pytest

from planner.travel.api import plan_spec
from planner.travel.database import ReferenceWorld
from planner.travel.encoding import TravelEncoding
from planner.travel.evaluation import PlanEvaluator
from planner.travel.solver import ranked_routes


@pytest.mark.parametrize("idx, mode", [(1, "sole"), (2, "two-stage"), (6, "sole"), (33, "two-stage"), (34, "sole")])
def test_plans_pass_all_checks(db, queries, idx, mode):
    q = queries[idx]
    out = plan_spec(q.gold_spec, mode, q.reference, time_limit=30)
    assert out.status == "sat", out.message
    v = PlanEvaluator(db, strict=True).evaluate(q.gold, out.plan)
    assert v.final_pass, v.failures()
    assert v.total_cost == out.itinerary.total_cost  # the encoding's cost is the benchmark's formula
    human = PlanEvaluator(db).evaluate(q.gold, q.annotated_plan).total_cost
    assert out.itinerary.total_cost <= human


def test_cheapest_plan_is_the_minimum(db, queries):
    q = queries[1]
    spec = q.gold_spec
    out = plan_spec(spec, "sole", q.reference, time_limit=30)
    best = out.itinerary.total_cost
    # a budget one dollar below the optimum leaves no plan; the optimum itself is enough
    tight = spec.model_copy(update={"budget": best - 1})
    res = TravelEncoding(tight, ReferenceWorld(q.reference), db.background.city_state).solve(30)
    assert res.status == "unsat"
    assert any(label.kind == "budget" for label in res.core)
    exact = spec.model_copy(update={"budget": best})
    assert plan_spec(exact, "sole", q.reference, time_limit=30).status == "sat"


def test_transport_ban_is_respected(db, queries):
    q = queries[33]  # no flight
    out = plan_spec(q.gold_spec, "two-stage", None, time_limit=30)
    assert out.status == "sat", out.message  # an empty plan would pass the check below vacuously
    legs = [d["transportation"] for d in out.plan if d["transportation"] != "-"]
    assert legs and all("Flight" not in t for t in legs)


def test_route_bounds_are_lower_bounds(db, queries):
    q = queries[6]  # two cities in Texas, from the whole database
    spec = q.gold_spec
    out = plan_spec(spec, "two-stage", None, time_limit=30)
    route = tuple(d["current_city"].split(" to ")[1] for d in out.plan if d["current_city"].startswith("from"))[:-1]
    bounds = {r.cities: r.bound for r in ranked_routes(spec, db, [c for c in db.cities_in_state("Texas")])}
    assert bounds[route] <= out.itinerary.total_cost
    assert out.itinerary.optimal


def test_unknown_route_gives_labelled_core(db, queries):
    spec = queries[1].gold_spec.model_copy(update={"origin": "Ithaca"})
    out = plan_spec(spec, "two-stage", None, time_limit=30)
    assert out.status == "unsat"
    assert [c.kind for c in out.core] == ["transport"]
    assert "Ithaca" in out.core[0].text


def test_statewide_budget_refuted_by_route_bounds(db, queries):
    q = queries[13]  # 7 days, 3 cities in Texas from the whole database; cheapest plan $483
    spec = q.gold_spec.model_copy(update={"budget": 400})
    out = plan_spec(spec, "two-stage", None, time_limit=30)
    assert out.status == "unsat"
    assert [c.kind for c in out.core] == ["budget"]
