"""Catalog loading: the bundled catalogs and one precise error per kind of bad catalog."""

import json

import pytest

from planner.api.catalog import CatalogError, available_catalogs, load_catalog, parse_catalog_text

GOOD = """
name: mini
types:
  - {name: city, value: city}
  - {name: destination_city, is_a: city}
  - {name: hotel_offer, askable: false}
  - {name: hotel_booking, askable: false}
apis:
  - {name: search_hotels, description: Find hotels., inputs: {city: city}, outputs: {offer: hotel_offer}}
  - {name: book_hotel, description: Book one., inputs: {offer: hotel_offer}, outputs: {booking: hotel_booking}, requires: [search_hotels]}
"""


def test_bundled_catalogs_are_realistic():
    names = available_catalogs()
    assert {"travel", "workplace", "shopping"} <= set(names)
    for name in names:
        cat = load_catalog(name)
        assert 15 <= len(cat.apis) <= 40
        # shared types: some API's output is another API's input (dataflow)
        outputs = {t for a in cat.apis for t in a.outputs.values()}
        assert any(t in outputs for a in cat.apis for t in a.inputs.values())


def test_good_catalog_parses_and_knows_subtypes():
    cat = parse_catalog_text(GOOD)
    assert cat.satisfies("destination_city", "city")
    assert not cat.satisfies("city", "destination_city")
    assert [a.name for a in cat.producers("hotel_offer")] == ["search_hotels"]


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("requires: [search_hotels]", "requires: [search_hotel]", "book_hotel' requires unknown API 'search_hotel'"),
        ("inputs: {city: city}", "inputs: {city: town}", "search_hotels' input 'city' has unknown type 'town'"),
        ("{name: book_hotel,", "{name: search_hotels,", "duplicate API name 'search_hotels'"),
        ("{name: hotel_booking,", "{name: hotel_offer,", "duplicate type name 'hotel_offer'"),
        ("{name: city, value: city}", "{name: city, value: city, is_a: destination_city}", "type cycle in is_a: "),
        ("{name: hotel_offer, askable: false}", "{name: hotel_offer, is_a: nowhere}", "is_a unknown type 'nowhere'"),
        ("inputs: {city: city}, outputs", "inputs: {city: city, city: city}, outputs", "duplicate key 'city' at line"),
        ("outputs: {offer: hotel_offer}}", "outputs: {}}", "an API needs at least one output"),
        ("description: Find hotels., ", "", "apis[0].description (search_hotels): Field required"),
        ("{name: city, value: city}", "{name: City, value: city}", "types[0].name (City): String should match pattern"),
        ("{name: city, value: city}", "{name: city, value: colour}", "types[0].value (city): Input should be"),
        ("apis:\n", "apis:\n  - [oops\n", "malformed YAML at line"),
    ],
)
def test_bad_catalog_gets_precise_error(old, new, message):
    assert old in GOOD
    with pytest.raises(CatalogError) as err:
        parse_catalog_text(GOOD.replace(old, new, 1), source="mini.yaml")
    text = str(err.value)
    assert text.startswith("mini.yaml: ")
    assert message in text
    assert "\n" not in text


def test_requires_cycle_is_rejected():
    bad = GOOD.replace(
        "outputs: {offer: hotel_offer}}", "outputs: {offer: hotel_offer}, requires: [book_hotel]}"
    )
    with pytest.raises(CatalogError, match="cycle in API requires"):
        parse_catalog_text(bad)


def test_json_catalog_and_missing_file(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"name": "x", "types": [], "apis": [}')
    with pytest.raises(CatalogError, match="c.json: malformed JSON at line 1"):
        load_catalog(path)
    path.write_text(json.dumps({"name": "x", "types": [{"name": "a"}], "apis": [
        {"name": "f", "description": "d", "inputs": {}, "outputs": {"o": "a"}}]}))
    assert load_catalog(path).api_by_name["f"].outputs == {"o": "a"}
    with pytest.raises(CatalogError, match="unknown catalog 'nope'"):
        load_catalog("nope")
    with pytest.raises(CatalogError, match="catalog file not found"):
        load_catalog(tmp_path / "absent.yaml")


def test_a_pattern_that_is_not_a_regular_expression_is_named():
    import pytest

    from planner.api.catalog import CatalogError, parse_catalog_text

    text = """
name: c
types:
  - {name: zip, value: code, pattern: "[0-9", description: a zip}
  - {name: out, description: o}
apis:
  - {name: f, description: d, inputs: {z: zip}, outputs: {o: out}}
"""
    with pytest.raises(CatalogError, match=r"types\[0\]\.pattern \(zip\): .*pattern is not a regular expression"):
        parse_catalog_text(text)
