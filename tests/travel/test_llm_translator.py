"""The LLM translator's full-spec validate-and-retry loop, through lm/'s OpenAI-compatible HTTP server.

The served model is a real LanguageModel that replays recorded answers in order, so the test
exercises the HTTP path, JSON extraction, pydantic validation, the city check and the retry
prompt that carries the error back to the model.
"""

import json

import pytest

from lm.openai_http import OpenAICompatibleModel
from lm.server import create_app, serve_in_thread
from planner.travel.llm_translator import LLMTranslator
from planner.travel.spec import SpecError

GOOD = {"origin": "St. Petersburg", "destination": "Rockford", "days": 3, "visiting_city_number": 1,
        "dates": ["2022-03-16", "2022-03-17", "2022-03-18"], "people": 1, "budget": 1700,
        "local": {"house rule": None, "cuisine": None, "room type": None, "transportation": None}}


@pytest.fixture
def served(replay_model):
    servers = []

    def start(answers):
        model = replay_model(answers)
        server = serve_in_thread(create_app(model))
        servers.append(server)
        return model, OpenAICompatibleModel(server.url, model="replay", require_logprobs=False)

    yield start
    for s in servers:
        s.stop()


def test_retries_with_the_validation_error(served):
    bad_city = dict(GOOD, destination="Rokford")
    wrong_dates = dict(GOOD, dates=["2022-03-16"])
    model, client = served(["Sure! " + json.dumps(bad_city), json.dumps(wrong_dates), json.dumps(GOOD) + " done"])
    tr = LLMTranslator(client, mode="full", max_attempts=3)
    spec = tr.translate("Please help me plan a trip from St. Petersburg to Rockford ...")
    assert spec.destination == "Rockford" and spec.budget == 1700
    assert [a.error is None for a in tr.history] == [False, False, True]
    assert "Rockford" in tr.history[0].error  # the closest known city is suggested
    assert "Rokford" in model.prompts[1] and "rejected" in model.prompts[1]
    assert "1 dates given for a 3-day trip" in model.prompts[2]


def test_gives_up_with_a_one_line_error(served):
    model, client = served(["no json here", '{"origin": "Ithaca"', json.dumps(dict(GOOD, people=0))])
    tr = LLMTranslator(client, mode="full", max_attempts=3)
    with pytest.raises(SpecError) as err:
        tr.translate("a trip please")
    assert "3 attempts" in str(err.value) and "people" in str(err.value)
    assert len(model.prompts) == 3


DEEP = '{"origin": ' + "[" * 50000 + "]" * 50000 + "}"


def test_unparseable_json_feeds_the_retry_loop(served):
    huge = '{"origin": "Ithaca", "budget": ' + "9" * 5000 + "}"
    model, client = served([DEEP, huge, json.dumps(GOOD)])
    tr = LLMTranslator(client, mode="full", max_attempts=3)
    spec = tr.translate("Please help me plan a trip from St. Petersburg to Rockford ...")
    assert spec.origin == "St. Petersburg"
    assert tr.history[0].error == "invalid JSON: nested too deeply"
    assert tr.history[1].error.startswith("invalid JSON: Exceeds the limit")
    assert "rejected: invalid JSON: nested too deeply" in model.prompts[1]


def test_only_unparseable_json_ends_in_a_spec_error(served):
    model, client = served([DEEP, DEEP])
    tr = LLMTranslator(client, mode="full", max_attempts=2)
    with pytest.raises(SpecError, match=r"in 2 attempts \(last error: invalid JSON: nested too deeply\)$"):
        tr.translate("a trip please")
    assert len(model.prompts) == 2
