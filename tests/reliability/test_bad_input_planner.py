"""Random and adversarial input against the planners' loaders and validators.

* API catalogs (``planner.api.catalog``): any text, any JSON/YAML document, and every bundled
  catalog with one field removed or given a wrong type, raise only :class:`CatalogError`, whose
  message names the entry and the field.
* ``TripSpec``: any mapping or JSON text raises only pydantic's ``ValidationError``.
* The trip-request parser (``planner.travel.parser``): any text raises only :class:`SpecError`.
* ``TripSpec.from_benchmark``: a missing, non-numeric or invalid field raises :class:`SpecError`
  naming the field.
* TravelPlanner files with a missing column or a wrong-typed field give a precise error.

Every call runs under a time limit (``within``): no input may hang a loader.
"""

from __future__ import annotations

import copy
import csv
import functools
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from planner.api.catalog import CatalogError, catalogs_dir, parse_catalog, parse_catalog_text
from planner.travel.spec import SpecError, TripSpec

from .test_bad_input_coq import within

FAST = settings(max_examples=200, deadline=10000, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- API catalogs -------------------------------------------------------------------------------

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                | st.text(max_size=20))
json_docs = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=25,
)
CATALOG_KEYS = ["name", "description", "types", "apis", "inputs", "outputs", "requires", "is_a",
                "value", "values", "cues", "askable", "goal_phrases"]
catalog_like = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(CATALOG_KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=30,
)
yaml_alphabet = st.sampled_from(list("-:{}[],&*!|>?'\"#% \n\tabxyz019") + ["name: ", "types:", "apis:",
                                                                             "- ", "&a ", "*a", "!!"])
yaml_text = st.lists(yaml_alphabet, max_size=60).map("".join) | st.text(max_size=200)


def catalog_outcome(text: str, is_json: bool) -> None:
    try:
        within(10, parse_catalog_text, text, "<t>", is_json)
    except CatalogError as exc:
        assert str(exc).startswith("<t>") and "\n" not in str(exc)


@FAST
@given(yaml_text, st.booleans())
def test_catalog_text_raises_only_catalog_error(text: str, is_json: bool):
    catalog_outcome(text, is_json)


@FAST
@given(json_docs | catalog_like)
def test_catalog_documents_raise_only_catalog_error(doc):
    catalog_outcome(json.dumps(doc), True)
    catalog_outcome(yaml.safe_dump(doc), False)


ADVERSARIAL = [
    ("[" * 50000, True),
    ('{"a":' * 5000 + "1" + "}" * 5000, True),
    ("- " * 3000 + "x", False),
    ('{"name": "x", "types": [], "apis": [], "n": ' + "9" * 5000 + "}", True),
    ("? [a, b]\n: 1\n", False),
    ("!!python/object/apply:os.system ['echo pwned']", False),
    ("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
     "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nname: x\ntypes: *e\napis: *e\n",
     False),
    ("name: x\nname: y\ntypes: []\napis: []\n", False),
    ("\x00\x01", False),
    ("\ufeff{}", True),
]


@pytest.mark.parametrize(("text", "is_json"), ADVERSARIAL, ids=[f"adv{i}" for i in range(len(ADVERSARIAL))])
def test_adversarial_catalog_text_is_a_catalog_error(text: str, is_json: bool):
    with pytest.raises(CatalogError):
        within(20, parse_catalog_text, text, "<t>", is_json)


@functools.lru_cache(maxsize=1)
def bundled() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted(catalogs_dir().glob("*.yaml"))}


MUTATIONS = settings(FAST, max_examples=60)


REQUIRED = {"types": ["name"], "apis": ["name", "description", "outputs"]}
WRONG = {"name": 42, "description": ["x"], "outputs": "city", "inputs": ["a"], "requires": {"a": 1},
         "askable": "sometimes", "value": "colour", "values": 3, "cues": {"x": 1}, "is_a": 7}


@MUTATIONS
@given(st.data())
def test_bundled_catalog_with_a_missing_field_names_entry_and_field(data):
    catalogs = bundled()
    name = data.draw(st.sampled_from(sorted(catalogs)))
    raw = copy.deepcopy(catalogs[name])
    section = data.draw(st.sampled_from(["types", "apis"]))
    i = data.draw(st.integers(0, len(raw[section]) - 1))
    field = data.draw(st.sampled_from(REQUIRED[section]))
    entry_name = raw[section][i]["name"]
    del raw[section][i][field]
    with pytest.raises(CatalogError) as info:
        parse_catalog(raw, f"{name}.yaml")
    msg = str(info.value)
    assert f"{section}[{i}]" in msg and field in msg and "required" in msg.lower()
    if field != "name":
        assert entry_name in msg


@MUTATIONS
@given(st.data())
def test_bundled_catalog_with_a_wrong_type_names_entry_and_field(data):
    catalogs = bundled()
    name = data.draw(st.sampled_from(sorted(catalogs)))
    raw = copy.deepcopy(catalogs[name])
    section = data.draw(st.sampled_from(["types", "apis"]))
    i = data.draw(st.integers(0, len(raw[section]) - 1))
    allowed = {"types": ["name", "askable", "value", "values", "cues", "is_a"],
               "apis": ["name", "description", "outputs", "inputs", "requires"]}[section]
    field = data.draw(st.sampled_from(allowed))
    raw[section][i][field] = WRONG[field]
    with pytest.raises(CatalogError) as info:
        parse_catalog(raw, f"{name}.yaml")
    msg = str(info.value)
    assert msg.startswith(f"{name}.yaml: {section}[{i}]") and field in msg


def test_top_level_of_wrong_type_and_missing_sections():
    for raw, fragment in [([], "must be a mapping"), ({"name": "x", "types": []}, "apis"),
                          ({"name": "x", "types": {}, "apis": []}, "types"),
                          ({"name": 3, "types": [], "apis": []}, "name")]:
        with pytest.raises(CatalogError, match=fragment):
            parse_catalog(raw, "c.yaml")


# --- TripSpec -----------------------------------------------------------------------------------

SPEC_FIELDS = ["origin", "destination", "days", "visiting_city_number", "dates", "people", "budget",
               "local"]
spec_values = (json_scalars | st.lists(st.text(max_size=12) | st.integers(), max_size=8)
               | st.dates().map(lambda d: d.isoformat())
               | st.lists(st.dates().map(lambda d: d.isoformat()), max_size=8)
               | st.dictionaries(st.sampled_from(["house rule", "cuisine", "room type", "transportation",
                                                  "house_rule", "x"]), json_scalars | st.lists(json_scalars, max_size=3),
                                 max_size=4))


@FAST
@given(st.dictionaries(st.sampled_from(SPEC_FIELDS) | st.text(max_size=8), spec_values, max_size=10))
def test_tripspec_validator_raises_only_validation_error(raw: dict):
    try:
        spec = within(5, TripSpec.model_validate, raw)
    except ValidationError:
        return
    assert 1 <= spec.days <= 30 and len(spec.dates) == spec.days and spec.budget > 0


@FAST
@given(st.text(max_size=300) | json_docs.map(json.dumps))
def test_tripspec_json_raises_only_validation_error(text: str):
    try:
        within(5, TripSpec.model_validate_json, text)
    except ValidationError:
        pass


GOOD_ROW = {"org": "Ithaca", "dest": "Rockford", "days": 3, "visiting_city_number": 1,
            "date": ["2022-03-16", "2022-03-17", "2022-03-18"], "people_number": 1, "budget": 1700,
            "local_constraint": {"house rule": None, "cuisine": None, "room type": None,
                                 "transportation": None}}


def test_benchmark_row_of_wrong_type_is_a_spec_error_naming_the_field():
    for change, field in [({"date": "2022-03-16"}, "date"),
                          ({"local_constraint": {"cuisine": "Thai"}}, "local_constraint.cuisine"),
                          ({"local_constraint": {"cuisine": ["Thai"]}}, "local_constraint.cuisine"),
                          ({"org": 3}, "org"), ({"days": 5}, "5-day")]:
        with pytest.raises(SpecError) as info:
            TripSpec.from_benchmark({**GOOD_ROW, **change})
        assert field in str(info.value) and "\n" not in str(info.value), (change, str(info.value))


@pytest.mark.parametrize(("change", "field"), [
    ({"drop": "dest"}, "dest"), ({"drop": "budget"}, "budget"), ({"drop": "people_number"}, "people_number"),
    ({"set": ("days", "three")}, "days"), ({"set": ("budget", None)}, "budget"),
    ({"set": ("budget", "9" * 5000)}, "budget"), ({"set": ("visiting_city_number", True)}, "visiting_city_number"),
    ({"set": ("people_number", 1.5)}, "people_number"), ({"set": ("date", None)}, "date"),
])
def test_benchmark_row_missing_or_non_numeric_field_is_a_spec_error(change, field):
    row = dict(GOOD_ROW)
    if "drop" in change:
        del row[change["drop"]]
    else:
        key, value = change["set"]
        row[key] = value
    with pytest.raises(SpecError) as info:
        TripSpec.from_benchmark(row)
    msg = str(info.value)
    assert field in msg and "\n" not in msg and len(msg) < 200


def test_benchmark_row_with_numeric_strings_still_loads():
    spec = TripSpec.from_benchmark({**GOOD_ROW, "days": "3", "budget": " 1700 ", "people_number": 2.0})
    assert (spec.days, spec.budget, spec.people) == (3, 1700, 2)


@pytest.mark.parametrize("extra", [{"type": "airlines", "value": {"prefer": 5}},
                                   {"type": "attraction_categories", "value": [{}]}])
def test_extra_constraint_of_the_wrong_shape_is_a_validation_error(extra):
    raw = {**TripSpec.from_benchmark(GOOD_ROW).model_dump(by_alias=True), "extra": [extra]}
    with pytest.raises(ValidationError, match=extra["type"]):
        TripSpec.model_validate(raw)


# --- the trip-request parser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def parser():
    mod = pytest.importorskip("planner.travel.parser")
    return mod.RuleBasedParser()


TRIP_WORDS = ["Plan", "a", "trip", "from", "to", "Ithaca", "Rockford", "Texas", "for", "days", "day",
              "people", "with", "budget", "of", "$1,700", "$", "1.7k", "March", "16th", "18th", "2022",
              "2022-03-16", "the", "8th", "week-long", "no", "flights", "self-driving", "visiting", "cities",
              "two", "3", "-5", "0", "smoking", "Chinese", "entire room", ",", ".", "and", "between"]
trip_text = st.lists(st.sampled_from(TRIP_WORDS) | st.integers(-10**6, 10**6).map(str), max_size=40).map(" ".join)


@settings(max_examples=300, deadline=10000, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(trip_text | st.text(max_size=300))
def test_trip_parser_raises_only_spec_error(parser, text: str):
    try:
        spec = within(10, parser.translate, text)
    except SpecError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(spec, TripSpec)


@pytest.mark.parametrize("text", [
    "Plan a 1000000000-day trip from Ithaca to Rockford starting March 16th, 2022 with a budget of $1,700.",
    "Plan a trip from Ithaca to Rockford from March 16th to March 18th, 2022 with a budget of $"
    + "9" * 400 + ".",
])
def test_trip_parser_huge_numbers_are_spec_errors(parser, text: str):
    with pytest.raises(SpecError):
        within(10, parser.translate, text)


# --- TravelPlanner files ----------------------------------------------------------------------

@pytest.fixture
def database_copy(tmp_path: Path) -> Path:
    from planner.travel.database import travel_data_dir

    shutil.copytree(travel_data_dir() / "database", tmp_path / "database")
    return tmp_path


def rewrite_csv(path: Path, drop: str | None = None, set_first: tuple[str, str] | None = None) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cols = [c for c in rows[0] if c != drop]
    if set_first is not None:
        rows[0][set_first[0]] = set_first[1]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, cols, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(("table", "column"), [
    ("restaurants/clean_restaurant_2022.csv", "Average Cost"),
    ("accommodations/clean_accommodations_2022.csv", "price"),
    ("flights/clean_Flights_2022.csv", "DepTime"),
])
def test_database_table_missing_a_column_is_a_precise_error(database_copy: Path, table: str, column: str):
    from planner.travel.database import load_database

    rewrite_csv(database_copy / "database" / table, drop=column)
    with pytest.raises(SpecError) as info:
        load_database(database_copy)
    assert column in str(info.value) and Path(table).name in str(info.value)
    assert "\n" not in str(info.value)


def test_database_table_that_is_missing_is_a_spec_error(database_copy: Path):
    from planner.travel.database import load_database

    (database_copy / "database" / "attractions" / "attractions.csv").unlink()
    with pytest.raises(SpecError, match="attractions.csv does not exist"):
        load_database(database_copy)
