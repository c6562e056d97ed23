"""A slice of the evaluation set end to end, and the scorer catching bad plans."""

from collections import Counter

import pytest

from planner.api.catalog import load_catalog
from planner.api.evalset import derive, generate, load_evalset
from planner.api.evaluation import builtin_translator, check_plan, evaluate, summarise
from planner.api.pipeline import plan_request
from planner.api.request import ApiRequest


@pytest.fixture(scope="module")
def cases():
    return load_evalset()


def test_evalset_is_balanced_and_large(cases):
    counts = Counter(c.category for c in cases)
    balanced = {k: v for k, v in counts.items() if k != "unreachable"}
    assert len(balanced) == 8 and set(balanced.values()) == {40}
    assert counts["unreachable"] >= 12
    assert len(cases) >= 300
    assert {c.catalog for c in cases} == {"travel", "workplace", "shopping"}
    flows = [c for c in cases if c.flow == "dataflow"]
    assert max(len(c.gold.calls) for c in flows) >= 6
    for c in cases:
        if c.completeness == "incomplete":
            assert c.gold.missing and not {v.type for v in c.provided} & set(c.gold.missing)


def test_generator_is_deterministic_and_matches_the_stored_set(cases):
    regenerated = generate()
    assert [c.model_dump() for c in regenerated] == [c.model_dump() for c in cases]


def test_slice_end_to_end(cases):
    by_cat: dict[str, list] = {}
    for c in cases:
        by_cat.setdefault(c.category, []).append(c)
    slice_ = [c for group in by_cat.values() for c in group[:2]]
    outcomes = list(evaluate(slice_, builtin_translator, planner="fast-downward"))
    failed = [(o.id, o.reason) for o in outcomes if not o.success]
    assert not failed
    assert summarise(outcomes).success == 1.0


def test_scorer_rejects_wrong_plans(cases):
    case = next(c for c in cases if c.category == "incomplete/single/dataflow")
    catalog = load_catalog(case.catalog)
    plan, _, _ = plan_request(catalog, builtin_translator(catalog, case.text))
    assert check_plan(catalog, case, plan).success
    # dropping a call breaks the dataflow of the next one
    broken = plan.model_copy(deep=True)
    first_call = next(i for i, s in enumerate(broken.steps) if s.kind == "call")
    del broken.steps[first_call]
    outcome = check_plan(catalog, case, broken)
    assert not outcome.success and (not outcome.valid or not outcome.reaches_goals)
    # a plan that asks nothing misses the gold get_info
    silent = plan.model_copy(deep=True)
    silent.steps = [s for s in silent.steps if s.kind != "get_info"]
    outcome = check_plan(catalog, case, silent)
    assert not outcome.asks_exact and not outcome.success
    # an empty translation plans nothing and fails
    empty, _, _ = plan_request(catalog, ApiRequest(text=case.text))
    assert not check_plan(catalog, case, empty).success


def test_results_file_resumes(cases, tmp_path):
    out = tmp_path / "results.jsonl"
    first = list(evaluate(cases[:3], builtin_translator, results_path=out))
    assert len(out.read_text().splitlines()) == 3
    calls = []

    def counting(catalog, text):
        calls.append(text)
        return builtin_translator(catalog, text)

    again = list(evaluate(cases[:4], counting, results_path=out))
    assert len(calls) == 1 and [o.id for o in again[:3]] == [o.id for o in first]


def test_derivation_prefers_exact_producers(workplace):
    d = derive(workplace, ["calendar_event"], set())
    assert d.calls == ["create_event"]
    d = derive(workplace, ["scheduled_meeting"], set())
    assert d.calls == ["find_contact", "check_availability", "find_common_slot", "schedule_meeting"]


def test_a_translator_that_gives_up_fails_the_case_not_the_run(cases):
    from planner.api.llm_translator import TranslationError

    def giving_up(catalog, text):
        raise TranslationError("the model gave no valid translation in 3 attempts (last: no JSON object)")

    outcomes = list(evaluate(cases[:2], giving_up))
    assert [o.success for o in outcomes] == [False, False]
    assert outcomes[0].reason.startswith("translation failed: the model gave no valid translation")
