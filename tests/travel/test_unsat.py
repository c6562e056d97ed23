"""Unsat analysis and repairs: minimal reasons grounded in the data, verified repairs."""

import json

import pytest

from planner.travel.repairs import explain_and_repair
from planner.travel.unsat_set import load_unsat_set


@pytest.fixture(scope="module")
def q1(queries):
    return queries[1]  # St. Petersburg -> Rockford, 3 days, 1 person; cheapest plan costs $1,305 (sole)


def test_budget_reason_and_exact_budget_repair(q1):
    spec = q1.gold_spec.model_copy(update={"budget": 1000})
    report = explain_and_repair(spec, mode="sole", reference=q1.reference)
    assert report.status == "unsat"
    assert [r.kind for r in report.reasons] == ["budget"]
    assert report.reasons[0].text == ("the cheapest itinerary that meets everything else costs $1,305, "
                                      "$305 over the $1,000 budget")
    assert report.core == ["budget"] and report.minimal
    best = report.repairs[0]
    assert best.kind == "raise_budget" and best.spec.budget == 1305 and best.cost == 1305
    assert all(r.cost <= r.spec.budget for r in report.repairs)


def test_transport_ban_without_road(q1):
    local = q1.gold_spec.local.model_copy(update={"transportation": "no flight"})
    report = explain_and_repair(q1.gold_spec.model_copy(update={"local": local}), mode="two-stage")
    assert [r.kind for r in report.reasons] == ["transport"]
    assert "no driving route from St. Petersburg to Rockford" in report.reasons[0].text
    assert any(r.kind == "drop_constraint" and "no flight" in r.description for r in report.repairs)


def test_room_type_and_house_rule(db, queries, q1):
    local = q1.gold_spec.local.model_copy(update={"room_type": "shared room"})
    report = explain_and_repair(q1.gold_spec.model_copy(update={"local": local}), mode="two-stage")
    assert [r.kind for r in report.reasons] == ["accommodation"]
    assert report.reasons[0].text == "Rockford has no shared-room listings"
    assert report.repairs and report.repairs[0].touched == 1
    # Waco's only entire home needs 29 nights: the room type alone rules out a 2-night stay
    spec = q1.gold_spec.model_copy(update={"origin": "Houston", "destination": "Waco", "budget": 5000})
    spec.local = spec.local.model_copy(update={"room_type": "entire room", "house_rule": "smoking"})
    report = explain_and_repair(spec, mode="two-stage")
    need = min(a.min_nights for a in db.accommodations("Waco") if a.room_type == "Entire home/apt")
    assert report.core == ["local.room_type"]
    assert report.reasons[0].text == f"every entire-home listing in Waco needs at least {need} nights, " \
                                     "longer than the stay allows"
    # Santa Barbara's private rooms all forbid visitors
    spec = spec.model_copy(update={"destination": "Santa Barbara"})
    spec.local = spec.local.model_copy(update={"room_type": "private room", "house_rule": "visitors"})
    report = explain_and_repair(spec, mode="two-stage")
    assert report.reasons[0].text == "no private-room listing in Santa Barbara allows visitors"
    assert sorted(report.core) == ["local.house_rule", "local.room_type"] and report.minimal
    assert {r.kind for r in report.repairs} >= {"drop_constraint"}


def test_budget_too_small_and_room_type_impossible(q1):
    # regression: the budget reason used to format the cost of a trip that cannot exist (None)
    local = q1.gold_spec.local.model_copy(update={"room_type": "shared room"})
    spec = q1.gold_spec.model_copy(update={"budget": 1000, "local": local})
    report = explain_and_repair(spec, mode="sole", reference=q1.reference)
    assert report.status == "unsat"
    assert [r.kind for r in report.reasons] == ["accommodation", "budget"]
    assert report.reasons[0].text == "Rockford has no shared-room listings"
    assert report.reasons[1].text == ("even without the room type (shared room), the cheapest itinerary "
                                      "costs $1,305, $305 over the $1,000 budget")
    assert sorted(report.core) == ["budget", "local.room_type"]
    assert not report.minimal  # two conflicts: the room type alone, and the budget once it is dropped
    assert report.min_cost_without_budget is None
    best = report.repairs[0]
    assert best.kind == "drop_and_raise" and best.spec.budget == 1305 and best.spec.local.room_type is None
    assert all(r.cost <= r.spec.budget for r in report.repairs)


def test_cli_budget_and_room_type_has_no_traceback(run_cli):
    q = ("Please help me plan a trip from St. Petersburg to Rockford spanning 3 days from March 16th to "
         "March 18th, 2022. The travel should be planned for a single person with a budget of $1,000. "
         "We need a shared room.")
    out = run_cli("plan", "travel", "--json", q)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    data = json.loads(out.stdout)
    assert [r["kind"] for r in data["reasons"]] == ["accommodation", "budget"]
    assert data["reasons"][1]["numbers"]["min_cost"] > 1000


def test_impossible_route_is_a_fact(q1):
    spec = q1.gold_spec.model_copy(update={"origin": "Ithaca"})
    report = explain_and_repair(spec, mode="two-stage")
    assert report.reasons[0].text == "no flight and no driving route from Ithaca to Rockford on 2022-03-16"
    assert all(r.kind in ("change_destination", "shift_dates") for r in report.repairs)


def test_structural_conflict_is_one_minimal_fact(queries):
    # a 3-city trip through exactly the 3 reference cities of Utah, with Moab's listings taken
    # away (and Vernal's restaurants, which a one-night stay there does without): the minimal
    # conflict is the missing accommodation alone, said once
    from planner.travel.unsat import MODEL_RULES

    q = queries[11]
    ref = dict(q.reference)
    ref["Accommodations in Moab"] = []
    ref["Restaurants in Vernal"] = []
    report = explain_and_repair(q.gold_spec, mode="sole", reference=ref)
    assert report.status == "unsat" and report.minimal
    assert report.core == ["accommodation"]
    assert not set(report.core) & set(MODEL_RULES)
    assert [r.text for r in report.reasons] == ["no accommodation is listed in Moab"]


def test_unsat_set_is_large_and_labelled():
    items = load_unsat_set()
    assert len(items) >= 40
    kinds = {k for it in items for k in it.expected_kinds}
    assert {"budget", "transport", "accommodation", "cuisine"} <= kinds
    assert all(it.expected_min_budget > it.spec.budget for it in items if "budget" in it.expected_kinds)


def test_cli_reasons_repairs_and_apply(run_cli):
    q = ("Please help me plan a trip from St. Petersburg to Rockford spanning 3 days from March 16th to "
         "March 18th, 2022 for one person with a budget of $1,000.")
    out = run_cli("plan", "travel", q)
    assert out.returncode == 1 and "why:" in out.stdout and "raise the budget" in out.stdout
    data = json.loads(run_cli("plan", "travel", "--json", q).stdout)
    assert data["status"] == "unsat" and data["reasons"][0]["kind"] == "budget"
    assert data["repairs"][0]["kind"] == "raise_budget"
    applied = run_cli("plan", "travel", "--json", "--apply", "1", q)
    assert applied.returncode == 0, applied.stderr
    plan = json.loads(applied.stdout)
    assert plan["status"] == "sat" and plan["total_cost"] <= plan["spec"]["budget"]


def test_contradiction_is_reported_before_solving(run_cli):
    out = run_cli("plan", "travel", "Plan a 3-day trip from Seattle to Denver March 16-18 2022, budget $2,000, "
                  "no flights please, and non-stop flights only.")
    assert out.returncode == 2 and "contradictory request" in out.stderr
