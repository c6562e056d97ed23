"""The specification formats users have: OpenAI, MCP and Anthropic tool lists, NESTFUL's
variants, OpenAPI 3.0/3.1 and Swagger 2.0 (refs resolved by ``referencing``), JSON Schema
features, repeated names, unreadable entries and outputs inferred from descriptions."""

import json
from pathlib import Path

import pytest

from planner.api.catalog import CatalogError
from planner.api.importers import RESULT, load_spec
from planner.api.output_inference import infer_outputs

SPECS = Path(__file__).parent / "specs"
BOOK_SCHEMA = {"type": "object", "properties": {"title": {"type": "string", "description": "Title of the book."}},
               "required": ["title"]}


def _write(tmp_path: Path, name: str, obj) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return path


def test_outputs_are_inferred_from_the_description_and_marked():
    outs = infer_outputs("Find the ISBN and publisher of a book from its title")
    assert list(outs) == ["isbn", "publisher"] and all(o.inferred for o in outs.values())
    assert list(infer_outputs("Returns the user's name, email and phone number.")) == ["name", "email", "phone_number"]
    assert list(infer_outputs("Send an email")) == ["result"]


def test_openai_tools_infer_outputs_that_feed_the_next_call(tmp_path):
    tools = [
        {"type": "function", "function": {"name": "find_book", "description": "Find the ISBN and publisher of a book from its title",
                                          "parameters": BOOK_SCHEMA}},
        {"type": "function", "function": {"name": "check_stock", "description": "Check the stock count of a book in a store.",
                                          "parameters": {"type": "object", "required": ["isbn"], "properties": {
                                              "isbn": {"type": "string", "description": "ISBN identifier of the book."}}}},
         "outputs": {"in_stock": {"type": "integer", "description": "Copies in stock."}}},  # declared by the user
    ]
    result = load_spec(_write(tmp_path, "tools.json", {"tools": tools}))
    find, stock = result.catalog.api_by_name["find_book"], result.catalog.api_by_name["check_stock"]
    assert find.inferred == ("isbn", "publisher") and set(find.outputs) == {"isbn", "publisher", RESULT}
    assert stock.inferred == () and "in_stock" in stock.outputs
    assert stock.inputs["isbn"] == find.outputs["isbn"]  # data flows from the inferred output
    assert find.inputs == {"title": "i_find_book__title"}


def test_mcp_tools_list_result_with_refs_and_output_schema(tmp_path):
    doc = {"jsonrpc": "2.0", "id": 1, "result": {"tools": [
        {"name": "get_forecast", "description": "Weather forecast for a place.",
         "inputSchema": {"type": "object", "required": ["place"], "$defs": {"Units": {"enum": ["metric", "imperial"]}},
                         "properties": {"place": {"type": "string", "description": "City name."},
                                        "units": {"$ref": "#/$defs/Units", "default": "metric"},
                                        "day": {"type": ["string", "null"], "format": "date"}}},
         "outputSchema": {"type": "object", "properties": {"summary": {"type": "string"},
                                                           "hours": {"type": "array", "items": {"type": "object", "properties": {
                                                               "temp": {"type": "number"}}}}}}},
    ]}}
    cat = load_spec(_write(tmp_path, "mcp.json", doc)).catalog
    api = cat.api_by_name["get_forecast"]
    assert api.inputs == {"place": "i_get_forecast__place"} and set(api.optional) == {"units", "day"}
    assert api.defaults == {"units": "metric"}
    assert cat.type_by_name[api.optional["units"]].values == ("metric", "imperial")
    assert cat.type_by_name[api.optional["day"]].value == "date"
    assert {"summary", "hours", "hours.temp"} <= set(api.outputs) and api.inferred == ()


def test_anthropic_tools_with_nested_objects(tmp_path):
    tools = [{"name": "create_patient", "description": "Register a patient and return the patient id.",
              "input_schema": {"type": "object", "required": ["name", "contact"], "properties": {
                  "name": {"type": "string"},
                  "contact": {"type": "object", "required": ["email"], "properties": {
                      "email": {"type": "string", "format": "email"}, "phone": {"type": "string"}}}}}}]
    result = load_spec(_write(tmp_path, "anthropic.json", tools))
    api = result.catalog.api_by_name["create_patient"]
    assert set(api.inputs) == {"name", "contact.email"} and set(api.optional) == {"contact.phone"}
    assert result.catalog.type_by_name[api.inputs["contact.email"]].value == "email"
    assert api.inferred == ("patient_id",)


def test_nestful_arguments_variant_reads_allowed_and_default_values(tmp_path):
    specs = [{"name": "translate_text", "description": "Translate a text.",
              "arguments": {"text": {"type": "string", "description": "Text to translate.", "required": True},
                            "target": {"type": "string", "description": "Target language.",
                                       "allowed_values": ["fr", "de"], "default_value": "fr", "required": False}},
              "output_parameters": {"translated_text": {"type": "string", "description": "The translation."}}},
             {"name": "detect_language", "description": "Detect the language of a text.",
              "arguments": [{"name": "text", "type": "string", "description": "Some text."}], "required": ["text"],
              "output_parameters": {"language": {"type": "string"}}}]
    cat = load_spec(_write(tmp_path, "sgd.json", specs)).catalog
    translate, detect = cat.api_by_name["translate_text"], cat.api_by_name["detect_language"]
    assert list(translate.inputs) == ["text"] and list(translate.optional) == ["target"]
    assert translate.defaults == {"target": "fr"} and cat.type_by_name[translate.optional["target"]].values == ("fr", "de")
    assert list(detect.inputs) == ["text"] and "language" in detect.outputs
    unmarked = [{"name": "find_restaurants", "description": "Find restaurants.", "output_parameters": {"names": "list"},
                 "arguments": {"city": {"type": "string"}, "price_range": {"type": "string", "default_value": "dontcare"},
                               "cuisine": {"type": "string", "description": "Kind of food; optional."}}}]
    api = load_spec(_write(tmp_path, "unmarked.json", unmarked)).catalog.api_by_name["find_restaurants"]
    assert list(api.inputs) == ["city"] and list(api.optional) == ["price_range", "cuisine"]


def test_a_repeated_name_is_kept_twice_with_one_warning(tmp_path):
    first = {"name": "translate_text", "description": "Translate a text into French.",
             "parameters": {"text": {"type": "string", "required": True}}, "output_parameters": {"text": {"type": "string"}}}
    second = {**first, "description": "Translate a text into any language.",
              "parameters": {"text": {"type": "string", "required": True}, "lang": {"type": "string", "required": True}}}
    third = {**second, "description": "Translate with a glossary."}
    result = load_spec(_write(tmp_path, "dup.json", [first, second, first, third]))
    assert [a.name for a in result.catalog.apis] == ["translate_text", "translate_text_2", "translate_text_3"]
    assert {a.label for a in result.catalog.apis} == {"translate_text"}  # calls use the source's name
    assert len(result.warnings) == 1
    assert "3 different functions are named 'translate_text'" in result.warnings[0]
    # The translator sees one function by that name, taking the parameters of any of its specs.
    from planner.api.spec_translator import merge_repeated_names

    merged = merge_repeated_names(result.catalog)
    assert [(a.name, list(a.inputs), list(a.optional)) for a in merged.apis] == [("translate_text_2", ["text", "lang"], [])]


def test_unreadable_entries_are_one_line_each_and_the_rest_loads(tmp_path):
    tools = [{"description": "no name"}, {"name": "ok", "description": "Get the time.", "parameters": {"tz": 3}},
             "not an object", {"name": "fine", "description": "Get the current time of a city.",
                               "parameters": {"city": {"type": "string", "required": True}}}]
    result = load_spec(_write(tmp_path, "mixed.json", tools))
    assert [a.name for a in result.catalog.apis] == ["fine"]
    assert len(result.warnings) == 3 and all("\n" not in w and w.endswith("skipped") for w in result.warnings)
    assert "entry [0] has no name" in result.warnings[0]
    assert "function 'ok' parameter 'tz'" in result.warnings[1]


def test_swagger_2_body_form_refs_and_a_broken_operation():
    result = load_spec(SPECS / "petstore_swagger.yaml")
    assert result.base_path == "/v1"
    assert [a.title for a in result.catalog.apis] == ["findOwner", "addVisit"]
    assert len(result.warnings) == 1 and "path '/broken': $ref #/parameters/missing does not resolve" in result.warnings[0]
    visit = result.function("addvisit")
    assert visit.http.method == "POST" and visit.http.path == "/owners/{ownerId}/visits"
    assert {k: p.location for k, p in visit.parameters.items()} == {
        "ownerId": "path", "petName": "body", "date": "body", "kind": "body"}
    api = result.catalog.api_by_name["addvisit"]
    assert api.inputs["ownerId"] == result.catalog.api_by_name["findowner"].outputs["ownerId"]
    assert api.defaults == {"kind": "checkup"}
    # The recursive Owner -> pets -> Pet -> owner reference is cut, not followed forever.
    assert "pets.name" in result.catalog.api_by_name["findowner"].outputs


def test_openapi_refs_into_a_sibling_file_nested_body_and_type_lists():
    result = load_spec(SPECS / "split" / "library.yaml")
    lend, search = result.catalog.api_by_name["lendbook"], result.catalog.api_by_name["searchbooks"]
    assert set(lend.inputs) == {"isbn", "member.memberId", "due"} and set(lend.optional) == {"member.email"}
    assert lend.inputs["isbn"] == search.outputs["books.isbn"]
    assert result.catalog.type_by_name[lend.inputs["due"]].value == "date"
    assert result.function("searchbooks").outputs["books.title"].type == "string"


def test_openapi_31_clinic_document():
    result = load_spec(Path(__file__).parents[2] / "data" / "api" / "clinic_openapi.yaml")
    assert result.warnings == [] and result.base_path == "/api"
    book = result.catalog.api_by_name["bookappointment"]
    assert book.inputs["doctorId"] == result.catalog.api_by_name["finddoctors"].outputs["doctors.doctorId"]
    assert book.inputs["patientId"] == result.catalog.api_by_name["registerpatient"].outputs["patientId"]
    doctors = result.catalog.api_by_name["finddoctors"]
    assert result.catalog.type_by_name[doctors.inputs["specialty"]].values == ("cardiology", "dermatology", "pediatrics")


@pytest.mark.parametrize(("content", "message"), [
    ({"openapi": "2.5", "paths": {}}, "unsupported OpenAPI version '2.5'"),
    ({"openapi": "3.1.0", "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"$ref": "other.yaml#/x"}}}}}},
     "$ref other.yaml#/x does not resolve (and the document has no other operation)"),
    ([], "expected a non-empty list"),
])
def test_whole_document_errors_are_one_line(tmp_path, content, message):
    with pytest.raises(CatalogError) as err:
        load_spec(_write(tmp_path, "doc.json", content))
    assert message in str(err.value) and "\n" not in str(err.value)
