"""The evaluator: every annotated human plan passes; each check catches its own violation."""

import copy

import pytest

from planner.travel.evaluation import COMMONSENSE, HARD, PlanEvaluator, aggregate


@pytest.fixture(scope="module")
def ev(db):
    return PlanEvaluator(db)


def test_all_human_plans_pass(ev, queries):
    verdicts = [ev.evaluate(q.gold, q.annotated_plan) for q in queries.values()]
    failed = {q.idx: v.failures() for q, v in zip(queries.values(), verdicts, strict=True) if not v.final_pass}
    assert failed == {}
    m = aggregate(verdicts, [q.gold for q in queries.values()])
    assert m.final_pass_rate == 1.0 and m.delivery_rate == 1.0
    assert m.hard_denominator == 105  # the benchmark's fixed train denominator


def test_strict_mode_catches_the_venue_in_another_city(db, queries):
    # query 42's human plan lists San Angelo attractions on a day spent in San Antonio; the
    # official script only compares characters there, strict mode compares city names
    strict = PlanEvaluator(db, strict=True)
    v = strict.evaluate(queries[42].gold, queries[42].annotated_plan)
    assert not v.commonsense["is_valid_information_in_current_city"]


def test_empty_plan_is_not_delivered(ev, queries):
    v = ev.evaluate(queries[1].gold, [])
    assert not v.delivered and not v.final_pass
    m = aggregate([v], [queries[1].gold])
    assert m.delivery_rate == 0.0 and m.commonsense_micro == 0.0


def _plan(queries, idx):
    return copy.deepcopy(queries[idx].annotated_plan)


def _only_failure(verdict, key):
    bad = [k for k in COMMONSENSE if not verdict.commonsense[k]] + [k for k in HARD if verdict.hard.get(k) is False]
    return bad == [key]


def test_within_current_city(ev, queries):
    plan = _plan(queries, 1)
    plan[0]["dinner"] = "Coco Bambu, Memphis"  # day 1 is St. Petersburg -> Rockford
    v = ev.evaluate(queries[1].gold, plan)
    assert not v.commonsense["is_valid_information_in_current_city"]


def test_within_sandbox(ev, queries):
    plan = _plan(queries, 1)
    plan[1]["lunch"] = "The Imaginary Diner, Rockford"
    v = ev.evaluate(queries[1].gold, plan)
    assert not v.commonsense["is_valid_information_in_sandbox"]
    plan = _plan(queries, 1)
    plan[0]["transportation"] = plan[0]["transportation"].replace("F3573659", "F0000000")
    assert not ev.evaluate(queries[1].gold, plan).commonsense["is_valid_information_in_sandbox"]


def test_reasonable_route(ev, queries):
    plan = _plan(queries, 1)
    plan[2]["current_city"] = "from Rockford to Memphis"
    plan[2]["transportation"] = "-"
    v = ev.evaluate(queries[1].gold, plan)
    assert not v.commonsense["is_reasonable_visiting_city"]


def test_diverse_restaurants(ev, queries):
    plan = _plan(queries, 1)
    plan[1]["dinner"] = plan[1]["lunch"]
    assert _only_failure(ev.evaluate(queries[1].gold, plan), "is_valid_restaurants")


def test_non_conflicting_transportation(ev, queries):
    plan = _plan(queries, 2)  # self-driving both ways
    plan[2]["transportation"] = "Flight Number: F3573120, from Pensacola to Kansas City, Departure Time: 19:00, Arrival Time: 22:43"
    v = ev.evaluate(queries[2].gold, plan)
    assert not v.commonsense["is_valid_transportation"]
    plan = _plan(queries, 1)
    plan[0]["transportation"] = "-"
    assert not ev.evaluate(queries[1].gold, plan).commonsense["is_valid_transportation"]


def test_diverse_attractions(ev, queries):
    plan = _plan(queries, 1)
    plan[2]["attraction"] = plan[1]["attraction"]
    v = ev.evaluate(queries[1].gold, plan)
    assert _only_failure(v, "is_valid_attractions")


def test_minimum_nights(ev, db, queries):
    plan = _plan(queries, 1)
    long_stay = next(a for a in db.accommodations("Rockford")
                     if a.min_nights > 2 and len(db.find_accommodation(a.name, "Rockford")) == 1)
    for day in plan[:2]:
        day["accommodation"] = f"{long_stay.name}, Rockford"
    v = ev.evaluate(queries[1].gold, plan)
    assert not v.commonsense["is_valid_accommodation"]


def test_complete_information(ev, queries):
    plan = _plan(queries, 1)
    plan[1]["breakfast"] = "-"
    v = ev.evaluate(queries[1].gold, plan)
    assert [k for k in COMMONSENSE if not v.commonsense[k]] == ["is_not_absent"]
    assert v.hard["valid_cost"] is False  # hard checks are not evaluated on an incomplete plan


def test_budget(ev, queries):
    q = copy.deepcopy(queries[1].gold)
    cost = ev.evaluate(q, queries[1].annotated_plan).total_cost
    q["budget"] = cost - 1
    v = ev.evaluate(q, queries[1].annotated_plan)
    assert _only_failure(v, "valid_cost")
    q["budget"] = cost
    assert ev.evaluate(q, queries[1].annotated_plan).final_pass


def test_room_rule_type_cuisine_transport(ev, db, queries):
    q = copy.deepcopy(queries[1].gold)
    acc_name = queries[1].annotated_plan[0]["accommodation"].rsplit(",", 1)[0]
    acc = db.find_accommodation(acc_name, "Rockford")[0]
    forbidden = next(r for r in ("smoking", "parties", "children under 10", "visitors", "pets")
                     if f"No {r}" in acc.house_rules)
    q["local_constraint"]["house rule"] = forbidden
    assert _only_failure(ev.evaluate(q, queries[1].annotated_plan), "valid_room_rule")
    q = copy.deepcopy(queries[1].gold)
    q["local_constraint"]["room type"] = "shared room" if acc.room_type != "Shared room" else "private room"
    assert _only_failure(ev.evaluate(q, queries[1].annotated_plan), "valid_room_type")
    q = copy.deepcopy(queries[1].gold)
    served = set()
    for day in queries[1].annotated_plan:
        for meal in ("breakfast", "lunch", "dinner"):
            if day[meal] != "-":
                r = db.find_restaurant(day[meal].rsplit(",", 1)[0], "Rockford")
                served.update(r.cuisines)
    missing = next(c for c in ("Chinese", "American", "Italian", "Mexican", "Indian", "Mediterranean", "French")
                   if c not in served)
    q["local_constraint"]["cuisine"] = [missing]
    assert _only_failure(ev.evaluate(q, queries[1].annotated_plan), "valid_cuisine")
    q = copy.deepcopy(queries[1].gold)
    q["local_constraint"]["transportation"] = "no flight"
    assert _only_failure(ev.evaluate(q, queries[1].annotated_plan), "valid_transportation")


def test_cost_formula_counts_rooms_and_vehicles(ev, db, queries):
    q = queries[18]  # a group of 8
    v = ev.evaluate(q.gold, q.annotated_plan)
    plan = q.annotated_plan
    expected = 0
    people = q.gold["people_number"]
    for day in plan:
        t = day["transportation"]
        if t.startswith("Flight"):
            expected += db.flights_by_number[t.split("Flight Number: ")[1].split(",")[0]][0].price * people
        elif t.startswith("Self-driving"):
            a, b = t.split("from ")[1].split(",")[0].split(" to ")
            expected += db.drive(a, b).self_driving_cost * -(-people // 5)
        elif t.startswith("Taxi"):
            a, b = t.split("from ")[1].split(",")[0].split(" to ")
            expected += db.drive(a, b).taxi_cost * -(-people // 4)
        for meal in ("breakfast", "lunch", "dinner"):
            if day[meal] != "-":
                name, city = day[meal].rsplit(", ", 1)
                expected += db.find_restaurant(name, city).cost * people
        if day["accommodation"] != "-":
            name, city = day["accommodation"].rsplit(", ", 1)
            a = db.find_accommodation(name, city)[0]
            expected += a.price * -(-people // a.max_occupancy)
    assert v.total_cost == expected
