"""Catalogs from the specifications users already have: OpenAPI 3 documents and JSON function
specifications (the NESTFUL / function-calling style). No hand-written cues are needed.

Both formats are read into :class:`FunctionSpec` (name, description, typed parameters with
``required``/default/enum, typed outputs; nested output objects flatten to dotted paths), then
one builder makes the catalog: every parameter and output becomes a type carrying its
description, and an input whose name ends with an output's name (``originSkyId`` and ``skyId``)
and that reads as a reference (an id, a key, "obtained from ... API") takes that output's type, so
clingo and the planner see the data flow. Errors are one line naming the entry.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from planner.api.catalog import ApiSpec, Catalog, CatalogError, TypeSpec, check_catalog

Scalar = str | int | float | bool


class ParamSpec(BaseModel):
    """One parameter or output field as the source declares it."""

    type: str = "string"
    description: str = ""
    required: bool = False
    default: Scalar | list[Scalar] | None = None
    enum: tuple[Scalar, ...] = ()


class FunctionSpec(BaseModel):
    """One API, format-neutral."""

    name: str
    description: str = ""
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    outputs: dict[str, ParamSpec] = Field(default_factory=dict)


# --- readers -------------------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _word_tuple(name: str) -> tuple[str, ...]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name.replace("ID", "Id"))
    return tuple(w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w)


def _words(name: str) -> list[str]:
    """``originSkyId`` -> [origin, sky, id]; ``business_id`` -> [business, id]."""
    return list(_word_tuple(name))


def ident(name: str) -> str:
    """A catalog identifier for a source name (``WeatherAPI.com_Forecast`` -> ``weatherapi_com_forecast``)."""
    out = "_".join(re.findall(r"[a-z0-9]+", name.lower()))
    return out if out and out[0].isalpha() else f"x_{out}"


def _param(raw: Any, where: str, required_default: bool = False) -> ParamSpec:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: a parameter must be a mapping with a type and a description")
    enum = raw.get("enum") or raw.get("allowed_values") or raw.get("possible_values") or ()
    if "required" in raw:
        required = bool(raw["required"])
    elif "optional" in raw:
        required = not raw["optional"]
    else:
        required = required_default
    default = raw.get("default")
    if isinstance(default, dict):
        default = None
    return ParamSpec(
        type=str(raw.get("type") or "string").lower(),
        description=str(raw.get("description") or ""),
        required=required,
        default=default,
        enum=tuple(enum) if isinstance(enum, list) else (),
    )


def _flatten(props: dict, where: str, prefix: str = "", depth: int = 0) -> dict[str, ParamSpec]:
    out: dict[str, ParamSpec] = {}
    for key, raw in props.items():
        path = f"{prefix}{key}"
        if isinstance(raw, str):  # a bare type name
            raw = {"type": raw}
        out[path] = _param(raw, f"{where} output {path!r}")
        nested = raw.get("properties") if isinstance(raw, dict) else None
        if isinstance(nested, dict) and depth < 2:
            out.update(_flatten(nested, where, f"{path}.", depth + 1))
    return out


def _params_block(raw: Any, where: str) -> dict[str, ParamSpec]:
    """Parameters as a name->spec mapping, or a JSON-schema object with ``properties``/``required``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: parameters must be a mapping")
    if raw.get("type") == "object" and isinstance(raw.get("properties"), dict):
        required = set(raw.get("required") or [])
        return {k: _param(v, f"{where} parameter {k!r}", k in required) for k, v in raw["properties"].items()}
    flags = [v for v in raw.values() if isinstance(v, dict)]
    # A spec that marks only some parameters "optional" leaves the others required.
    implicit = any("optional" in v for v in flags) and not any("required" in v for v in flags)
    return {k: _param(v, f"{where} parameter {k!r}", implicit) for k, v in raw.items()}


def read_function_specs(raw: Any, source: str = "<specs>") -> list[FunctionSpec]:
    """JSON function specifications: a list of ``{name, description, parameters | query_parameters |
    path_parameters, output_parameters}`` (a ``{"functions": [...]}`` wrapper is accepted)."""
    if isinstance(raw, dict) and isinstance(raw.get("functions"), list):
        raw = raw["functions"]
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"{source}: function specifications must be a non-empty JSON list")
    specs = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise CatalogError(f"{source}: entry [{i}] has no name")
        where = f"{source}: function {entry['name']!r}"
        params: dict[str, ParamSpec] = {}
        for key in ("path_parameters", "query_parameters", "parameters", "body_parameters"):
            params.update(_params_block(entry.get(key), where))
        outs_raw = entry.get("output_parameters") or entry.get("outputs") or {}
        if isinstance(outs_raw, dict) and outs_raw.get("type") == "object" and "properties" in outs_raw:
            outs_raw = outs_raw["properties"]
        if not isinstance(outs_raw, dict):
            raise CatalogError(f"{where}: output_parameters must be a mapping")
        specs.append(FunctionSpec(name=entry["name"], description=str(entry.get("description") or ""),
                                  parameters=params, outputs=_flatten(outs_raw, where)))
    return specs


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(doc: dict, node: Any, where: str, seen: frozenset[str] = frozenset()) -> Any:
    """Follow local ``$ref`` pointers (``#/components/...``) to their target."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise CatalogError(f"{where}: only local $ref pointers are supported, got {ref!r}")
        if ref in seen:
            raise CatalogError(f"{where}: $ref cycle through {ref}")
        seen = seen | {ref}
        target: Any = doc
        for part in ref[2:].split("/"):
            if not isinstance(target, dict) or part not in target:
                raise CatalogError(f"{where}: $ref {ref} does not resolve")
            target = target[part]
        node = target
    return node


def _schema_props(doc: dict, schema: Any, where: str, depth: int = 0) -> dict[str, Any]:
    """A schema's properties with refs resolved, as NESTFUL-style ``{type, description, properties}``."""
    schema = _resolve(doc, schema, where)
    if not isinstance(schema, dict):
        return {}
    if schema.get("type") == "array":
        return _schema_props(doc, schema.get("items"), where, depth)
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolve(doc, prop, where)
        if not isinstance(prop, dict):
            continue
        item = {"type": prop.get("type", "object"), "description": prop.get("description", "")}
        if "enum" in prop:
            item["enum"] = prop["enum"]
        if depth < 2 and (prop.get("properties") or prop.get("items")):
            nested = _schema_props(doc, prop, where, depth + 1)
            if nested:
                item["properties"] = nested
        out[name] = item
    return out


def read_openapi(doc: Any, source: str = "<openapi>") -> list[FunctionSpec]:
    """OpenAPI 3 operations: parameters (path, query, header), a JSON request body and the
    success response's JSON schema become one function each (named by ``operationId``)."""
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3"):
        raise CatalogError(f"{source}: not an OpenAPI 3 document (no 'openapi: 3.x' field)")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise CatalogError(f"{source}: the document has no paths")
    specs = []
    for path, item in paths.items():
        if not isinstance(item, dict):
            raise CatalogError(f"{source}: path {path!r} must be a mapping")
        shared = item.get("parameters") or []
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            name = op.get("operationId") or f"{method}_{path}"
            where = f"{source}: operation {name!r}"
            params: dict[str, ParamSpec] = {}
            for p in [*shared, *(op.get("parameters") or [])]:
                p = _resolve(doc, p, where)
                if not isinstance(p, dict) or "name" not in p:
                    raise CatalogError(f"{where}: a parameter has no name")
                schema = _resolve(doc, p.get("schema") or {}, where)
                params[p["name"]] = _param({**schema, "description": p.get("description") or schema.get("description", ""),
                                            "required": bool(p.get("required") or p.get("in") == "path")},
                                           f"{where} parameter {p['name']!r}")
            body = _resolve(doc, op.get("requestBody") or {}, where)
            body_schema = _resolve(doc, ((body.get("content") or {}).get("application/json") or {}).get("schema") or {}, where)
            if body_schema:
                required = set(body_schema.get("required") or [])
                for k, v in _schema_props(doc, body_schema, where).items():
                    params[k] = _param({**v, "required": k in required}, f"{where} body field {k!r}")
            outputs: dict[str, Any] = {}
            for code, resp in sorted((op.get("responses") or {}).items(), key=lambda kv: str(kv[0])):
                if str(code).startswith("2"):
                    resp = _resolve(doc, resp, where)
                    schema = ((resp.get("content") or {}).get("application/json") or {}).get("schema")
                    outputs = _schema_props(doc, schema, where)
                    break
            specs.append(FunctionSpec(name=name, description=op.get("summary") or op.get("description") or "",
                                      parameters=params, outputs=_flatten(outputs, where)))
    if not specs:
        raise CatalogError(f"{source}: the document has no operations")
    return specs


# --- catalog builder -----------------------------------------------------------------------------

RESULT = "_result"
GENERIC_FIELD_WORDS = {"id", "name", "code", "key", "type", "url", "date", "time", "data", "value", "title", "text"}
REFERENCE_WORDS = {"id", "ids", "key", "token", "cik", "uuid", "identifier"}
GENERIC_NAME_WORDS = {"api", "get", "search", "by", "the", "of", "and", "list", "find", "com"}
FROM_API = re.compile(r"\b(?:obtained|retrieved|extracted|returned|taken)\b.*\bfrom\b", re.IGNORECASE)


def value_class(p: ParamSpec, name: str) -> str:
    words = set(_words(name)) | set(re.findall(r"[a-z]+", p.description.lower()))
    if "date" in p.type or "yyyy" in p.description.lower() or "date" in _words(name):
        return "date"
    if p.type in ("number", "integer", "int", "float"):
        return "integer"
    if p.enum:
        return "enum"
    if words & {"city", "location", "country", "place", "airport", "region"}:
        return "city"
    if words & {"code", "ticker", "symbol"}:
        return "code"
    return "text"


@lru_cache(maxsize=65536)
def _alternatives(name: str) -> list[list[str]]:
    """``username_or_id_or_url`` -> [[username], [id], [url]]; other names -> [their words]."""
    words, alts, cur = _words(name), [], []
    for w in words:
        if w == "or":
            alts.append(cur)
            cur = []
        else:
            cur.append(w)
    alts.append(cur)
    return [a for a in alts if a]


@lru_cache(maxsize=65536)
def _desc_words(description: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", description.lower()))


def link_score(consumer: FunctionSpec, param: str, p: ParamSpec, producer: FunctionSpec, out_path: str,
               out: ParamSpec) -> float:
    """How well an output fills an input: its name ends the input's name and the input reads as a
    reference (an id or key, or "obtained from ... API"); 0 when it cannot. Ties go to the first
    alternative of ``a_or_b`` names, to producers named like the consumer or its description."""
    leaf = _words(out_path.split(".")[-1])
    if not leaf or out.type in ("object", "array", "boolean"):
        return 0.0
    if any(alt[-len(leaf):] == leaf for q in producer.parameters for alt in _alternatives(q)):
        return 0.0  # the producer takes the value itself: it passes it through, it does not make it
    producer_words = set(_word_tuple(producer.name)) - GENERIC_NAME_WORDS
    desc_words = _desc_words(p.description)
    alts = _alternatives(param)
    best = 0.0
    leaf_name = out_path.split(".")[-1]
    names_it = leaf_name.lower() in desc_words or (
        leaf_name.lower() in p.description.lower()
        and re.search(rf"(?<![\w.]){re.escape(leaf_name)}(?!\w)", p.description, re.IGNORECASE))
    is_reference = (bool({w for a in alts for w in a} & REFERENCE_WORDS) or "identifier" in desc_words
                    or bool(FROM_API.search(p.description)))
    # The input's description names the output field ("location geoId of a place").
    mention = 1.5 if names_it and (len(leaf) > 1 or (is_reference and len(leaf_name) >= 3
                                                     and leaf[0] not in GENERIC_FIELD_WORDS)) else 0.0
    family = 0.2 * len(producer_words & desc_words) + 0.2 * len(
        producer_words & (set(_words(consumer.name)) - GENERIC_NAME_WORDS))
    if mention:
        best = 0.3 + mention + family
    for rank, alt in enumerate(alts):
        if len(leaf) > len(alt) or alt[len(alt) - len(leaf):] != leaf:
            continue
        role = alt[: len(alt) - len(leaf)]
        if not is_reference:
            continue
        if len(leaf) == 1 and role and not set(role) & producer_words:
            continue  # a bare "id" or "code" output fills "artistId" only from an API about artists
        score = 1.0 + 0.1 * len(leaf) + 0.05 * (len(alts) - rank)
        score += 0.3 if not role else 0.3 * bool(set(role) & producer_words)
        best = max(best, score + family + mention)
    return best


def build_catalog(specs: list[FunctionSpec], name: str, description: str = "") -> Catalog:
    """The catalog for imported functions (see the module docstring)."""
    seen: dict[str, str] = {}
    for spec in specs:
        key = ident(spec.name)
        if key in seen:
            raise CatalogError(f"{name}: functions {seen[key]!r} and {spec.name!r} map to the same name {key!r}")
        seen[key] = spec.name
    types: dict[str, TypeSpec] = {}

    def add_type(tname: str, p: ParamSpec, pname: str, askable: bool = True) -> str:
        if tname not in types:
            types[tname] = TypeSpec(
                name=tname, description=p.description or pname.replace("_", " "), askable=askable,
                value=value_class(p, pname),  # type: ignore[arg-type]
                values=tuple(str(v) for v in p.enum),
            )
        return tname

    out_type: dict[tuple[str, str], str] = {}
    for spec in specs:
        outs = spec.outputs or {"result": ParamSpec(type="object", description=spec.description)}
        for path, o in outs.items():
            out_type[(spec.name, path)] = add_type(f"o_{ident(spec.name)}__{ident(path)}", o, path)
    apis: list[ApiSpec] = []
    for spec in specs:
        inputs: dict[str, str] = {}
        optional: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        for pname, p in spec.parameters.items():
            best, best_type = 0.0, None
            for other in specs:
                if other.name == spec.name:
                    continue
                for path, o in other.outputs.items():
                    s = link_score(spec, pname, p, other, path, o)
                    if s > best:
                        best, best_type = s, out_type[(other.name, path)]
            tname = best_type or add_type(f"i_{ident(spec.name)}__{ident(pname)}", p, pname)
            (inputs if p.required else optional)[pname] = tname
            if p.default is not None:
                defaults[pname] = p.default
        outs = spec.outputs or {"result": ParamSpec()}
        # "_result": the call's whole answer, the goal a translator names to ask for this API.
        result = add_type(f"r_{ident(spec.name)}", ParamSpec(description=spec.description or spec.name),
                          "_result", askable=False)
        apis.append(ApiSpec(
            name=ident(spec.name), title=spec.name, description=spec.description or spec.name,
            inputs=inputs, optional=optional, defaults=defaults,
            outputs={**{path: out_type[(spec.name, path)] for path in outs}, RESULT: result},
        ))
    catalog = Catalog(name=ident(name), description=description, types=tuple(types.values()), apis=tuple(apis))
    check_catalog(catalog, name)
    return catalog


def _load_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path.name}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError(f"{path.name}: malformed YAML{f' at line {mark.line + 1}' if mark else ''}") from None


def import_spec(path: str | Path, name: str | None = None) -> Catalog:
    """A catalog from an OpenAPI 3 document (YAML or JSON) or a JSON list of function specs."""
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"specification file not found: {path}")
    doc = _load_document(path)
    cat_name = name or path.stem
    if isinstance(doc, dict) and "openapi" in doc:
        info = doc.get("info") or {}
        return build_catalog(read_openapi(doc, path.name), info.get("title") or cat_name, info.get("description", ""))
    return build_catalog(read_function_specs(doc, path.name), cat_name)
