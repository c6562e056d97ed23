"""The cue-free translator on imported catalogs, with the real sentence encoder and planners."""

from pathlib import Path

import pytest

from planner.api.importers import import_spec
from planner.api.llm_translator import build_prompt, parse_translation
from planner.api.spec_translator import NestfulCall, SpecTranslator, check_calls

SPECS = Path(__file__).parent / "specs"


@pytest.fixture(scope="module")
def encoder():
    from retrieval.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder(device="cpu")


@pytest.fixture(scope="module")
def weather(encoder):
    return SpecTranslator(import_spec(SPECS / "weather_functions.json"), encoder, default_year=2025)


def test_same_api_twice_by_role_and_a_shared_feeder_is_merged(weather):
    result = weather.plan("Find flights from Boston to Denver on March 3 and the weather forecast in Denver "
                          "for the next 4 days.", planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Geo.LookupCity", "arguments": {"city": "Boston"}, "label": "var1"},
        {"name": "Geo.LookupCity", "arguments": {"city": "Denver"}, "label": "var2"},
        {"name": "Flights.Search", "arguments": {"originCityKey": "$var1.cityKey$", "destinationCityKey": "$var2.cityKey$",
                                                  "date": "2025-03-03"}, "label": "var3"},
        {"name": "Weather.Forecast", "arguments": {"cityKey": "$var2.cityKey$", "days": 4, "units": "metric"},
         "label": "var4"},
    ]
    assert result.asks == [] and result.plan.status == "planned"


def test_what_the_text_lacks_is_asked_with_get_info(weather):
    result = weather.plan("What will the weather forecast say?", planner="pyperplan")
    assert [c.name for c in result.calls] == ["Geo.LookupCity", "Weather.Forecast"]
    assert "city" not in result.calls[0].arguments
    assert result.plan.asked() and "Name of the city" in result.asks[0]


def test_openapi_catalog_end_to_end_with_fast_downward(encoder):
    tr = SpecTranslator(import_spec(SPECS / "bookshop_openapi.yaml"), encoder, default_year=2025)
    result = tr.plan("Order a book by Ursula Le Guin delivered to postal code 02139 by 2025-05-02.",
                     planner="fast-downward")
    names = [c.name for c in result.calls]
    assert names == ["searchAuthor", "listAuthorBooks", "orderBook"]
    assert result.calls[0].arguments == {"name": "Ursula Le Guin"}
    assert result.calls[2].arguments == {"bookId": "$var2.bookId$", "zip": "02139", "deliveryDate": "2025-05-02"}
    assert result.plan.planner == "fast-downward"


def test_nestful_request_reproduces_the_gold_sequence(encoder):
    from planner.api.nestful import default_paths, load_cases, score

    data, spec = default_paths()
    case = load_cases(data)[0]
    tr = SpecTranslator(import_spec(spec, "nestful"), encoder, default_year=2024)
    result = tr.plan(case.text, planner="pyperplan")
    assert score(case, [c.model_dump() for c in result.calls])[3]


def test_references_must_point_backwards():
    with pytest.raises(ValueError, match="reads var2 before it is produced"):
        check_calls([NestfulCall(name="a", arguments={"x": "$var2.id$"}, label="var1"),
                     NestfulCall(name="b", label="var2")])


def test_llm_translator_accepts_imported_catalogs():
    cat = import_spec(SPECS / "weather_functions.json")
    prompt = build_prompt(cat, "weather in Oslo")
    assert "r_weather_forecast (Weather forecast for a city" in prompt
    req = parse_translation(cat, "weather in Oslo",
                            '{"goals": ["r_weather_forecast"], "values": [{"type": "i_geo_lookupcity__city", "value": "Oslo"}]}')
    assert req.goals == ["r_weather_forecast"] and req.values[0].value == "Oslo"


def test_a_stated_key_is_used_instead_of_a_look_up(weather):
    result = weather.plan("My city key is K-77. Get the weather forecast for the next 2 days.", planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Weather.Forecast", "arguments": {"cityKey": "K-77", "days": 2, "units": "metric"}, "label": "var1"}]
