"""NESTFUL's metrics and the resumable per-request results file."""

from planner.api.nestful import NestfulCase, evaluate, load_cases, norm, score, summarise
from planner.api.plan import ApiPlan
from planner.api.request import ApiRequest
from planner.api.spec_translator import NestfulCall, SpecPlan

GOLD = [
    {"name": "Search", "arguments": {"query": "London"}, "label": "var1"},
    {"name": "Hotels", "arguments": {"geoId": "$var1.geoId$", "checkIn": "2024-08-15"}, "label": "var2"},
]
CASE = NestfulCase(id="0", text="hotels in London", gold=GOLD)


def test_full_match_is_order_and_value_exact_after_normalisation():
    same = [{"name": "Search", "arguments": {"query": " london "}}, {"name": "Hotels", "arguments": {"checkIn": "2024-08-15", "geoId": "$var1.geoId$"}}]
    assert score(CASE, same) == (1.0, 1.0, 1.0, True)
    swapped = list(reversed(same))
    f1f, f1a, partial, full = score(CASE, swapped)
    assert (f1f, f1a, partial, full) == (1.0, 1.0, 1.0, False)
    assert norm(13) == norm("13") and norm(True) == "true"


def test_partial_and_f1_count_calls_and_argument_pairs():
    pred = [{"name": "Search", "arguments": {"query": "London"}}, {"name": "Hotels", "arguments": {"geoId": "$var1.geoId$"}},
            {"name": "Flights", "arguments": {}}]
    f1f, f1a, partial, full = score(CASE, pred)
    assert round(f1f, 3) == 0.8  # 2 of 3 predicted, 2 of 2 gold
    assert round(f1a, 3) == 0.8  # 2 of 2 predicted pairs, 2 of 3 gold pairs
    assert partial == 0.5 and not full
    assert score(CASE, []) == (0.0, 0.0, 0.0, False)


class FakeTranslator:
    def __init__(self):
        self.calls = 0

    def plan(self, text, planner="auto"):
        self.calls += 1
        plan = ApiPlan(request=ApiRequest(text=text), catalog="x", status="planned")
        calls = [NestfulCall(name="Search", arguments={"query": "London"}, label="var1")]
        return SpecPlan(calls=calls, plan=plan, seconds=0.01)


def test_results_file_resumes_and_survives_a_cut_line(tmp_path):
    out = tmp_path / "r.jsonl"
    cases = [CASE, NestfulCase(id="1", text="x", gold=GOLD[:1])]
    first = FakeTranslator()
    scores = list(evaluate(cases[:1], first, results_path=out))
    out.write_text(out.read_text() + '{"id": "1", "f1_fun')  # an interrupted write
    again = FakeTranslator()
    scores = list(evaluate(cases, again, results_path=out))
    assert again.calls == 1  # only the unfinished request ran
    assert len(list(evaluate(cases, FakeTranslator(), results_path=out))) == 2
    assert out.read_text().count("\n") == 3  # the cut line, then two whole results
    assert [s.full for s in scores] == [False, True]
    summary = summarise(scores)
    assert summary.n == 2 and summary.full == 0.5 and summary.partial == 0.75


def test_bundled_split_loads_without_the_result_entry():
    from planner.api.nestful import default_paths

    cases = load_cases(default_paths()[0])
    assert len(cases) == 85
    assert all(c["name"] != "var_result" for case in cases for c in case.gold)


def test_off_spec_names_what_only_spec_names_cannot_reproduce():
    from pathlib import Path

    from planner.api.importers import import_spec
    from planner.api.nestful import off_spec

    cat = import_spec(Path(__file__).parent / "specs" / "weather_functions.json")
    lookup = {"name": "Geo.LookupCity", "arguments": {"city": "Oslo"}, "label": "var1"}
    good = NestfulCase(id="a", text="", gold=[lookup, {"name": "Weather.Forecast", "arguments": {
        "cityKey": "$var1.cityKey$", "days": 2}, "label": "var2"}])
    assert off_spec(good, cat) == []
    bad = NestfulCase(id="b", text="", gold=[lookup, {"name": "Weather.Forecast", "arguments": {
        "cityKey": "$var1.key$", "days": "2 * $var1.cityKey$", "date": "2025-01-01"}, "label": "var2"}])
    assert off_spec(bad, cat) == [
        "Weather.Forecast.cityKey: undeclared output 'key'",
        "Weather.Forecast.days: an expression around a reference",
        "Weather.Forecast: undeclared parameter 'date'",
    ]
