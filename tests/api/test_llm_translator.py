"""LLM translator: schema validation of model text, and the validate-and-retry loop on a real model."""

import pytest

from planner.api.llm_translator import (
    LlmTranslator,
    TranslationError,
    build_prompt,
    parse_translation,
)
from planner.api.selection import ApiSelector


@pytest.mark.parametrize(
    "output,error",
    [
        ("I think you want a flight.", "no JSON object"),
        ('{"goals": ["flight_booking",]}', "invalid JSON"),
        ('{"goals": "flight_booking"}', "schema: goals: Input should be a valid list"),
        ('{"goals": ["flight_booking"], "extra": 1}', "schema: extra: Extra inputs are not permitted"),
        ('{"goals": ["spaceship"]}', "goal 'spaceship' is not a type of catalog 'travel'"),
        ('{"goals": ["flight_booking"], "values": [{"type": "planet", "value": "Mars"}]}', "value type 'planet'"),
        ('{"goals": [], "values": []}', "no goal given"),
        ('{"goals": ["origin_city"]}', "origin_city is not something an API produces"),
        ('{"goals": ' + "[" * 100000 + "]" * 100000 + "}", "invalid JSON: nested too deeply"),
        ('{"goals": ["flight_booking"], "n": ' + "9" * 5000 + "}", "invalid JSON: Exceeds the limit"),
    ],
)
def test_invalid_outputs_are_rejected_with_a_reason(travel, output, error):
    with pytest.raises(ValueError, match=error.replace("(", r"\(").replace(")", r"\)")) as info:
        parse_translation(travel, "text", output)
    assert "\n" not in str(info.value)


DEEP = '{"goals": ' + "[" * 50000 + "]" * 50000 + "}"
VALID = '{"goals": ["flight_cancellation"], "values": [{"type": "booking_reference", "value": "BK-48213"}]}'


def test_deeply_nested_output_is_retried_then_accepted(travel, replay_model):
    model = replay_model([DEEP, VALID])
    translator = LlmTranslator(model, max_retries=2)
    request = translator.translate(travel, "Cancel my flight, booking reference BK-48213.")
    assert request.goals == ["flight_cancellation"]
    attempts = translator.last.attempts
    assert [a.error for a in attempts] == ["invalid JSON: nested too deeply", ""]
    assert "Your previous answer was rejected (invalid JSON: nested too deeply)" in model.prompts[1]


def test_unparseable_outputs_end_in_a_translation_error(travel, replay_model):
    model = replay_model([DEEP, '{"goals": ' + "9" * 5000 + "}", DEEP])
    translator = LlmTranslator(model, max_retries=2)
    with pytest.raises(TranslationError, match=r"in 3 attempts \(last: invalid JSON: nested too deeply\)"):
        translator.translate(travel, "Cancel my flight.")
    assert "invalid JSON: Exceeds the limit" in translator.last.attempts[1].error


def test_valid_output_becomes_a_request(travel):
    out = 'Sure: {"goals": ["flight_cancellation"], "values": [{"type": "booking_reference", "value": "BK-48213"}]} done'
    req = parse_translation(travel, "cancel BK-48213", out)
    assert req.goals == ["flight_cancellation"]
    assert req.values[0].type == "booking_reference" and req.values[0].value == "BK-48213"


def test_prompt_lists_the_catalog_vocabulary(travel):
    prompt = build_prompt(travel, "cancel my flight")
    assert "flight_cancellation" in prompt and "booking_reference" in prompt
    assert prompt.rstrip().endswith("JSON:")


def test_retry_loop_with_a_real_language_model(travel):
    from lm.registry import load_model

    model = load_model("smollm2")
    text = "Cancel my flight, booking reference BK-48213."
    small = ApiSelector(travel).select(text, 1, per_clause=0)  # a short prompt keeps generation quick
    assert [a.name for a in small.apis] == ["cancel_flight"]
    translator = LlmTranslator(model, max_retries=1, max_new_tokens=12)
    try:
        request = translator.translate(small, text)
    except TranslationError as exc:
        attempts = translator.last.attempts
        assert str(exc).startswith("the model gave no valid translation in 2 attempts (last: ")
        assert len(attempts) == 2 and all(a.error for a in attempts)
        assert "Your previous answer was rejected (" + attempts[0].error in attempts[1].prompt
    else:  # a valid answer stops the loop and passes validation
        assert translator.last.attempts[-1].error == ""
        request.check_against(small)
        assert request.goals


@pytest.mark.parametrize("name", ["travel", "workplace", "shopping"])
def test_worked_example_in_the_prompt_is_itself_valid(name):
    from planner.api.catalog import load_catalog
    from planner.api.extractor import extract
    from planner.api.llm_translator import worked_example

    catalog = load_catalog(name)
    text, answer = worked_example(catalog)
    parsed = parse_translation(catalog, text, answer)
    # the built-in extractor reads the example the same way the JSON states it
    assert extract(catalog, text).model_dump(exclude={"text"}) == parsed.model_dump(exclude={"text"})
