"""OpenAPI 3 documents and JSON function specs become validated catalogs with linked data flow."""

import json
from pathlib import Path

import pytest

from planner.api.catalog import CatalogError
from planner.api.importers import RESULT, import_spec, read_function_specs, read_openapi
from planner.api.nestful import default_paths

SPECS = Path(__file__).parent / "specs"


def test_openapi_operations_parameters_body_and_responses():
    cat = import_spec(SPECS / "bookshop_openapi.yaml")
    assert cat.name == "bookshop"
    apis = cat.api_by_name
    assert {a.title for a in cat.apis} == {"searchAuthor", "listAuthorBooks", "orderBook"}
    books = apis["listauthorbooks"]
    # A path parameter is required even when the document does not say so; the others are optional.
    assert list(books.inputs) == ["authorId"] and set(books.optional) == {"limit", "format"}
    assert books.defaults == {"limit": 10}
    assert cat.type_by_name[books.optional["format"]].values == ("hardcover", "paperback", "ebook")
    # Response schemas (through $ref and array items) flatten to dotted outputs.
    assert {"bookId", "title", "details", "details.pages", RESULT} == set(books.outputs)
    # Inputs take the type of the output that fills them: the planner sees the data flow.
    assert books.inputs["authorId"] == apis["searchauthor"].outputs["authorId"]
    order = apis["orderbook"]
    assert set(order.inputs) == {"bookId", "zip"} and "deliveryDate" in order.optional
    assert order.inputs["bookId"] == books.outputs["bookId"]
    assert cat.type_by_name[order.optional["deliveryDate"]].value == "date"


def test_function_specs_link_roles_and_keep_defaults():
    cat = import_spec(SPECS / "weather_functions.json")
    search, geo, forecast = (cat.api_by_name[n] for n in ("flights_search", "geo_lookupcity", "weather_forecast"))
    key = geo.outputs["cityKey"]
    assert search.inputs["originCityKey"] == key and search.inputs["destinationCityKey"] == key
    assert forecast.inputs == {"cityKey": key}
    assert forecast.defaults == {"units": "metric"}
    assert "position.lat" in geo.outputs


def test_nestful_catalog_imports_with_its_data_flow():
    _, spec = default_paths()
    cat = import_spec(spec, "nestful")
    assert len(cat.apis) == 39
    by_title = {a.title: a for a in cat.apis}
    airport = by_title["SkyScrapperSearchAirport"].outputs
    flight = by_title["SkyScrapperFlightSearch"]
    assert flight.inputs["originSkyId"] == airport["skyId"] == flight.inputs["destinationSkyId"]
    assert flight.inputs["originEntityId"] == airport["entityId"]
    assert "returnDate" in flight.optional
    # A description that names the output field wins over a look-alike name elsewhere.
    assert by_title["TripadvisorSearchRestaurants"].inputs["locationId"] == by_title["TripadvisorSearchLocation"].outputs["geoId"]
    assert by_title["LocalBusinessData"].defaults["zoom"] == "13"


@pytest.mark.parametrize(("doc", "message"), [
    ({"swagger": "1.2"}, "not an OpenAPI document"),
    ({"openapi": "3.0.0", "paths": {}}, "has no paths"),
    ({"openapi": "3.0.0", "paths": {"/a": {"get": {"operationId": "getA", "parameters": [{"$ref": "#/components/parameters/x"}]}}}},
     "path '/a': $ref #/components/parameters/x does not resolve"),
    ({"openapi": "3.0.0", "paths": {"/a": {"get": {"operationId": "getA", "parameters": [{"in": "query"}]}}}},
     "operation 'getA': a parameter has no name"),
])
def test_openapi_errors_are_one_line_naming_the_entry(doc, message):
    with pytest.raises(CatalogError) as err:
        read_openapi(doc, "doc.yaml")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_function_spec_errors_name_the_entry(tmp_path):
    with pytest.raises(CatalogError, match=r"entry \[1\] has no name"):
        read_function_specs([{"name": "a"}, {"description": "x"}], "f.json")
    with pytest.raises(CatalogError, match=r"function 'b' parameter 'q': a parameter must be a mapping"):
        read_function_specs([{"name": "b", "query_parameters": {"q": 3}}], "f.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    with pytest.raises(CatalogError, match="malformed JSON at line 1"):
        import_spec(bad)
    with pytest.raises(CatalogError, match="not found"):
        import_spec(tmp_path / "missing.json")
    with pytest.raises(CatalogError, match=r"entry \[0\] has no name \(and no other entry could be read\)"):
        import_spec(_write(tmp_path / "none.json", [{"description": "x"}, 3]))


def _write(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj))
    return path
