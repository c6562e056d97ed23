"""Every form of NESTFUL's specification imports to the same inputs, and repeated names load."""

import pytest

from planner.api.importers import load_spec
from planner.api.nestful import default_paths, evaluate, load_cases, summarise
from planner.api.nestful_variants import VARIANTS, write_variants


def signature(catalog):
    return sorted((a.title, tuple(sorted(a.inputs.items())), tuple(sorted(a.optional.items())),
                   tuple(sorted((k, str(v)) for k, v in a.defaults.items()))) for a in catalog.apis)


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    return {p.stem: p for p in write_variants(default_paths()[1], tmp_path_factory.mktemp("variants"))}


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v not in ("repeated-names", "arguments-unmarked")])
def test_each_form_gives_the_original_inputs_defaults_and_enums(variants, variant):
    original = load_spec(default_paths()[1], "nestful").catalog
    imported = load_spec(variants[variant], "nestful")
    assert imported.warnings == []
    assert signature(imported.catalog) == signature(original)
    values = {t.name: t.values for t in original.types if t.values}
    assert {t.name: t.values for t in imported.catalog.types if t.name in values} == values


def test_repeated_names_load_with_one_warning_each_and_keep_the_source_name(variants):
    imported = load_spec(variants["repeated-names"], "nestful")
    assert len(imported.catalog.apis) == 39 + 13 and len(imported.warnings) == 13
    assert all("2 different functions are named" in w for w in imported.warnings)
    flights = [a for a in imported.catalog.apis if a.label == "SkyScrapperFlightSearch"]
    assert [a.name for a in flights] == ["skyscrapperflightsearch", "skyscrapperflightsearch_2"]
    assert "returnDate" in flights[0].optional and "returnDate" not in flights[1].optional


def test_the_repeated_names_form_plans_and_scores(variants):
    from planner.api.spec_translator import SpecTranslator
    from retrieval.encoder import SentenceTransformerEncoder

    cases = load_cases(default_paths()[0])[:6]
    encoder = SentenceTransformerEncoder(device="cpu")
    for form in ("repeated-names",):  # the other forms import to the original catalog (above)
        translator = SpecTranslator(load_spec(variants[form], "nestful").catalog, encoder, default_year=2024)
        summary = summarise(list(evaluate(cases, translator, planner="pyperplan")))
        assert summary.f1_functions >= 0.85 and summary.f1_arguments >= 0.5, (form, summary)


def test_unmarked_arguments_are_required_unless_a_default_is_given_or_described(variants):
    cat = load_spec(variants["arguments-unmarked"], "nestful").catalog
    flights = next(a for a in cat.apis if a.label == "SkyScrapperFlightSearch")
    assert {"originSkyId", "date", "returnDate"} <= set(flights.inputs)  # nothing says they may be left out
    assert "cabinClass" in flights.optional  # "Default value: economy"
