"""The LLM translator's default mode: the model reads only what the rule parser could not, its
values must be written in the request, every step is logged, and the total time is bounded.

The models are scripted LanguageModels (lm.base's interface) that answer, or sleep, as told.
"""

import time

import pytest

from lm.base import Candidate, LanguageModel
from planner.travel.llm_translator import LLMTranslator
from planner.travel.parser import RuleBasedParser
from planner.travel.spec import SpecError

READABLE = ("Just me, Kansas City to Pensacola, March 27-29 2022, $900 total.")
NO_BUDGET = "Plan a trip from Ithaca to Rockford, March 16-18 2022, for two; we can put in 1700 or so."


class Scripted(LanguageModel):
    name = "scripted"

    def __init__(self, answers, delay=0.0):
        self.answers, self.delay, self.prompts = list(answers), delay, []

    def generate_with(self, prompts, config):
        self.prompts.extend(prompts)
        time.sleep(self.delay)
        return [[Candidate(text=self.answers.pop(0), logprob=-1.0)] for _ in prompts]


def test_a_request_the_parser_reads_never_loads_the_model():
    loads, lines = [], []
    tr = LLMTranslator(lambda: loads.append(1) or Scripted([]), log=lines.append)
    spec = tr.translate(READABLE)
    assert spec == RuleBasedParser().translate(READABLE)
    assert loads == [] and tr.model_calls == 0
    assert any("model is not needed" in line for line in lines)


def test_missing_budget_comes_from_the_model_and_must_be_in_the_text():
    model = Scripted(['"budget": 2000}', '"budget": 1700}'])
    lines = []
    tr = LLMTranslator(lambda: model, max_attempts=3, log=lines.append)
    spec = tr.translate(NO_BUDGET)
    assert (spec.origin, spec.destination, spec.people, spec.budget) == ("Ithaca", "Rockford", 2, 1700)
    assert tr.model_calls == 2
    assert tr.history[0].error == "budget: 2000 is not written in the request"
    assert "was rejected: budget: 2000 is not written" in model.prompts[1]
    assert '"budget"' in model.prompts[0] and '"origin"' not in model.prompts[0].split("Already known")[0]
    assert any(line.startswith("model scripted loaded in") for line in lines)
    assert any("could not read: budget" in line for line in lines)


def test_invented_values_end_in_a_one_line_missing_field_error():
    tr = LLMTranslator(Scripted(['"budget": 5000}', '"budget": null}']), max_attempts=2)
    with pytest.raises(SpecError) as err:
        tr.translate(NO_BUDGET)
    assert str(err.value).startswith("missing field: budget (")
    assert "\n" not in str(err.value)


def test_a_slow_model_is_stopped_at_the_time_limit():
    tr = LLMTranslator(Scripted(['"budget": 1700}'], delay=2.0), timeout=0.3)
    start = time.monotonic()
    with pytest.raises(SpecError, match=r"time limit of 0.3 s during attempt 1 \(raise --llm-timeout"):
        tr.translate(NO_BUDGET)
    assert time.monotonic() - start < 1.5


def test_a_slow_model_load_counts_against_the_limit():
    def slow_load():
        time.sleep(2.0)
        return Scripted(['"budget": 1700}'])

    with pytest.raises(SpecError, match="during the model load"):
        LLMTranslator(slow_load, timeout=0.3).translate(NO_BUDGET)


def test_not_a_travel_request_is_refused_without_the_model():
    tr = LLMTranslator(lambda: pytest.fail("model loaded"))
    with pytest.raises(SpecError, match="does not look like a travel request"):
        tr.translate("tell me a joke")


def test_the_next_request_waits_for_a_cut_off_call():
    model = Scripted(['"budget": 1700}', '"budget": 1700}'], delay=0.6)
    lines = []
    tr = LLMTranslator(model, timeout=0.2, log=lines.append)
    with pytest.raises(SpecError, match="time limit"):
        tr.translate(NO_BUDGET)
    tr.timeout = 5.0
    assert tr.translate(NO_BUDGET).budget == 1700
    assert any("waiting for the previous request's cut-off model call" in line for line in lines)
    assert len(model.prompts) == 2


def test_a_small_number_of_the_text_is_not_taken_for_the_budget():
    tr = LLMTranslator(Scripted(['"budget": 2}', '"budget": 1700}']), max_attempts=2)
    assert tr.translate(NO_BUDGET).budget == 1700
    assert tr.history[0].error == "budget: 2 is too small to be a trip's budget in US dollars"
