"""The wider constraint vocabulary: parsed from text, enforced by z3, explained, relaxed."""

import pytest

from planner.travel.api import plan_spec
from planner.travel.extra import registry
from planner.travel.extra.attraction_categories import category_of
from planner.travel.parser import RuleBasedParser
from planner.travel.repairs import explain_and_repair
from planner.travel.spec import ExtraConstraint, SpecError, TripSpec

BASE = ("Plan a 3-day trip from St. Petersburg to Rockford from March 16th to March 18th, 2022 "
        "for one person with a budget of $5,000. ")


@pytest.fixture(scope="module")
def parser():
    return RuleBasedParser()


def with_extra(spec: TripSpec, kind: str, value) -> TripSpec:
    return spec.model_copy(update={"extra": [ExtraConstraint(type=kind, value=value)]})


def test_registry_finds_every_module():
    assert set(registry.names()) >= {
        "nonstop_only", "airlines", "attraction_categories", "max_flight_duration", "earliest_departure",
        "latest_arrival", "must_visit", "must_avoid", "min_restaurant_rating", "min_accommodation_rating",
        "max_cities"}


@pytest.mark.parametrize("sentence, kind, value", [
    ("Non-stop flights only, please.", "nonstop_only", True),
    ("We won't fly Delta.", "airlines", {"prefer": [], "exclude": ["Delta"]}),
    ("We'd love to see museums and gardens.", "attraction_categories", ["museum", "garden"]),
    ("Flights no longer than 2.5 hours.", "max_flight_duration", 150),
    ("We can only depart after 9am.", "earliest_departure", 540),
    ("We must arrive before 8 pm.", "latest_arrival", 1200),
    ("Only restaurants rated 4.5 or higher.", "min_restaurant_rating", 4.5),
    ("Accommodations rated at least 4 please.", "min_accommodation_rating", 4.0),
])
def test_parsed_from_text(parser, sentence, kind, value):
    spec = parser.translate(BASE + sentence)
    got = {c.type: c.value for c in spec.extra}
    assert got == {kind: value}


def test_unknown_type_and_bad_value_are_rejected():
    with pytest.raises(ValueError, match="unknown constraint type"):
        ExtraConstraint(type="teleport", value=True)
    with pytest.raises(ValueError, match="clock time"):
        ExtraConstraint(type="earliest_departure", value="25:99")


def test_contradictions_before_solving(parser):
    with pytest.raises(SpecError, match="contradictory request: 'no flights' and 'non-stop"):
        parser.translate(BASE + "No flights, and non-stop flights only.")
    with pytest.raises(SpecError, match="contradictory request: departing at or after 20:00"):
        parser.translate(BASE + "We depart after 8pm and must arrive before 10am.")


def test_rating_and_time_constraints_shape_the_plan(db, queries):
    q = queries[1]
    spec = q.gold_spec
    plain = plan_spec(spec, "sole", q.reference, 30)
    rated = plan_spec(with_extra(spec, "min_restaurant_rating", 4.0), "sole", q.reference, 30)
    assert rated.status == "sat" and rated.itinerary.total_cost >= plain.itinerary.total_cost
    for day in rated.itinerary.days:
        for r in (day.breakfast, day.lunch, day.dinner):
            assert r is None or r.rating >= 4.0
    # only two Rockford restaurants are rated 4.5+, and the full day needs three meals
    strict = plan_spec(with_extra(spec, "min_restaurant_rating", 4.5), "sole", q.reference, 30)
    assert strict.status == "unsat"
    assert {c.key for c in strict.core} >= {"extra.min_restaurant_rating", "restaurants.0"}
    late = plan_spec(with_extra(spec, "latest_arrival", "12:00"), "sole", q.reference, 30)
    # the only flight to Rockford lands at 17:04 and there is no road: no plan
    assert late.status == "unsat" and any(c.key == "extra.latest_arrival" for c in late.core)


def test_city_choice_constraints(db, queries):
    q = queries[6]  # two cities in Texas, sole planning over San Antonio and Houston
    spec = q.gold_spec
    avoid = plan_spec(with_extra(spec, "must_avoid", ["Houston"]), "sole", q.reference, 30)
    assert avoid.status == "unsat"  # the reference information offers only two cities
    visit = plan_spec(with_extra(spec, "must_visit", ["Houston"]), "sole", q.reference, 30)
    assert visit.status == "sat" and "Houston" in {d.city for d in visit.itinerary.days}
    report = explain_and_repair(with_extra(spec, "must_visit", ["Dallas"]), mode="sole", reference=q.reference)
    assert report.reasons[0].kind == "extra" and "Dallas is not among the cities of Texas" in report.reasons[0].text


def test_attraction_category_is_included(queries):
    q = queries[1]
    out = plan_spec(with_extra(q.gold_spec, "attraction_categories", ["museum", "garden"]), "sole", q.reference, 30)
    names = [a.name for d in out.itinerary.days for a in d.attractions]
    assert any(category_of(n, "museum") for n in names) and any(category_of(n, "garden") for n in names)


def test_airline_preference_is_explained(queries):
    q = queries[1]
    report = explain_and_repair(with_extra(q.gold_spec, "airlines", {"prefer": ["Delta"]}), mode="sole",
                                reference=q.reference)
    assert report.reasons[0].kind == "extra" and "airline" in report.reasons[0].text
    assert report.repairs[0].kind == "drop_constraint"


def test_plugins_and_encoding_do_not_import_each_other():
    # a plug-in depends on the encoding's interface (encoding_view), the encoding only on the registry
    import ast
    from pathlib import Path

    import planner.travel as pkg

    root = Path(pkg.__path__[0])

    def imported(path: Path) -> set[str]:
        out = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module)
                out.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
        return out

    for plugin in (root / "extra").glob("*.py"):
        assert "planner.travel.encoding" not in imported(plugin), plugin.name
    plugins = {f"planner.travel.extra.{p.stem}" for p in (root / "extra").glob("*.py")} - {
        "planner.travel.extra.registry", "planner.travel.extra.__init__"}
    assert not imported(root / "encoding.py") & plugins
