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


def test_clauses_keep_place_names_titles_and_dates_whole():
    from planner.api.spec_translator import clauses

    def pieces(text):
        return [c[2] for c in clauses(text)]

    assert pieces("Locate gyms in London, UK with verified status and show me the reviews") == [
        "Locate gyms in London, UK with verified status", "show me the reviews"]
    assert pieces("Find the Posts and Reels of the top account") == ["Find the Posts and Reels of the top account"]
    assert pieces("Fly out on August 15, 2024, and get the forecast, current weather, and time zone") == [
        "Fly out on August 15, 2024", "get the forecast", "current weather", "time zone"]


def test_description_examples_and_value_shapes():
    from planner.api.spec_translator import description_examples, shape

    assert description_examples("ISO code, for example 'DE' for Germany or 'US-TX' for Texas.") == ["DE", "US-TX"]
    assert description_examples("A handle (e.g. janedoe) or numeric id (e.g. 81237)") == ["janedoe", "81237"]
    assert description_examples("Search query for location (e.g., city name)") == []
    assert shape("US-TX") == "A-A" and shape("DE") == "A"
    assert shape("Italy") == shape("South Africa") == "Aa" != shape("IT")


@pytest.fixture(scope="module")
def health(encoder):
    return SpecTranslator(import_spec(SPECS / "health_social_functions.json"), encoder, default_year=2025)


def test_a_name_where_codes_are_asked_is_converted_by_a_look_up(health):
    result = health.plan("Get the outbreak figures for Italy and the latest health bulletins for Italy.",
                         planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Atlas.CountryFacts", "arguments": {"name": "Italy"}, "label": "var1"},
        {"name": "Health.OutbreakFigures", "arguments": {"region": "$var1.abbreviation$"}, "label": "var2"},
        {"name": "Health.Bulletins", "arguments": {"region": "$var1.abbreviation$"}, "label": "var3"},
    ]


def test_a_code_of_the_example_form_is_used_as_it_is(health):
    result = health.plan("Get the outbreak figures for DE.", planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Health.OutbreakFigures", "arguments": {"region": "DE"}, "label": "var1"}]


def test_a_constant_the_description_fixes_is_sent(health):
    result = health.plan("What is the latest market quote for the stock symbol MSFT?", planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Market.Quote", "arguments": {"symbol": "MSFT", "mode": "GLOBAL_QUOTE"}, "label": "var1"}]


def test_a_later_goal_reads_what_an_earlier_goal_returned(health):
    intro = "The social handle of Jane Doe is janedoe. List the accounts she is following. "
    result = health.plan(intro + "Then show the published posts and photos of the top account.", planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Social.Following", "arguments": {"handle_or_id": "janedoe"}, "label": "var1"},
        {"name": "Social.Posts", "arguments": {"handle_or_id": "$var1.handle$"}, "label": "var2"},
    ]
    # A sentence that names its own person does not reach back.
    result = health.plan(intro + "Then show the published posts and photos of John Roe.", planner="pyperplan")
    assert [c.name for c in result.calls][:2] == ["Social.Following", "Social.Posts"]
    assert result.calls[1].arguments["handle_or_id"] != "$var1.handle$"


def test_word_overlap_scores_apis_by_their_own_words(health):
    from planner.api.spec_translator import lexical_stem

    assert lexical_stem("calculates") == lexical_stem("calculate") == "calculat"
    assert lexical_stem("detailed") == lexical_stem("details") == "detail"
    scores = health._lexical("the latest bulletins")
    assert health.apis[int(scores.argmax())].label == "Health.Bulletins" and scores.max() == 1.0
    assert not health._lexical("please do it").any()


def test_a_spec_that_marks_nothing_required_still_gets_its_linked_id(encoder, tmp_path):
    import json

    specs = [
        {"name": "Biz.Search", "description": "Search for local businesses such as shops and bakeries.",
         "query_parameters": {"query": {"type": "string", "description": "Search query or keyword."}},
         "output_parameters": {"business_id": {"type": "string", "description": "Unique ID of the business."}}},
        {"name": "Biz.Reviews", "description": "Get customer reviews of a business.",
         "query_parameters": {"business_id": {"type": "string", "description": "Business ID"},
                              "limit": {"type": "number", "description": "Maximum number of reviews.", "default": 20}},
         "output_parameters": {"text": {"type": "string", "description": "Text of the review."}}},
    ]
    path = tmp_path / "biz.json"
    path.write_text(json.dumps(specs))
    tr = SpecTranslator(import_spec(path), encoder, default_year=2025)
    result = tr.plan("Get the customer reviews of Luna Bakery.", planner="pyperplan")  # one goal: Reviews
    assert [c.name for c in result.calls] == ["Biz.Search", "Biz.Reviews"]
    assert result.calls[1].arguments == {"business_id": "$var1.business_id$", "limit": 20}
    # A search that reads no other call's output searches for the request's object phrase.
    result = tr.plan("Find vegan bakeries near Boston Common with late opening hours.", planner="pyperplan")
    assert result.calls[0].model_dump() == {"name": "Biz.Search", "arguments": {
        "query": "vegan bakeries near Boston Common"}, "label": "var1"}


def test_an_all_optional_search_gets_its_topic_and_a_looked_up_region_code(health):
    result = health.plan("Find press articles about elections in Germany.", planner="pyperplan")
    assert [c.model_dump() for c in result.calls] == [
        {"name": "Atlas.CountryFacts", "arguments": {"name": "Germany"}, "label": "var1"},
        {"name": "Press.Search", "arguments": {"query": "elections", "region": "$var1.abbreviation$"}, "label": "var2"},
    ]


def test_a_clause_leans_to_the_service_of_the_other_goals(health):
    import numpy as np

    index = {a.label: i for i, a in enumerate(health.apis)}
    by_label = {a.label: a.name for a in health.apis}
    assert health._service(by_label["Social.Posts"]) == "social"
    row = np.zeros(len(health.apis))
    row[index["Health.Bulletins"]], row[index["Social.Posts"]] = 0.40, 0.35
    assert health._pick(row, set()).label == "Health.Bulletins"
    assert health._pick(row, {by_label["Social.Following"]}).label == "Social.Posts"


def test_object_phrase_is_what_the_request_asks_to_find():
    from planner.api.spec_translator import object_phrase

    assert object_phrase("Find me pet groomers near Sydney, Australia and their reviews") == \
        "pet groomers near Sydney, Australia"
    assert object_phrase("Help me find hair salons in Paris, France with up to 50 results") == \
        "hair salons in Paris, France"
    assert object_phrase("Please find it.") is None
