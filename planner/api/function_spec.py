"""The format-neutral form every imported API takes, and the JSON Schema features mapped onto it.

A :class:`FunctionSpec` has typed parameters and outputs (:class:`ParamSpec`). JSON Schema maps
as follows: ``type`` (a list such as ``["string", "null"]`` or an ``anyOf``/``oneOf`` of types
takes its first non-null member), ``enum`` (also NESTFUL's ``allowed_values``), ``default``
(also ``default_value``), ``format`` (``date``, ``date-time``, ``email`` ...), nested
``object``s (flattened to dotted names: ``patient.birthDate``) and ``array``s of objects (their
items' fields, under the array's name: ``results.id`` reads the first item).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from planner.api.catalog import CatalogError

Scalar = str | int | float | bool
Location = Literal["", "path", "query", "header", "body", "form"]
MAX_DEPTH = 3
# A description that says the parameter may be left out ("Default: 50", "Optional.", "Leave empty").
OPTIONAL_TEXT = re.compile(r"\b(?:default|optional(?:ly)?|leave (?:it )?empty|if (?:not|none) (?:provided|given|specified))\b",
                           re.IGNORECASE)


class ParamSpec(BaseModel):
    """One parameter or output field as the source declares it."""

    type: str = "string"
    description: str = ""
    required: bool = False
    default: Scalar | list[Scalar] | None = None
    enum: tuple[Scalar, ...] = ()
    format: str = ""
    location: Location = ""  # where an HTTP call sends it
    inferred: bool = False  # an output read from the description, not declared


class HttpOperation(BaseModel):
    """How to call an operation of an OpenAPI document."""

    method: str
    path: str


class FunctionSpec(BaseModel):
    """One API, format-neutral. ``key`` overrides the catalog name (repeated source names)."""

    name: str
    description: str = ""
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    outputs: dict[str, ParamSpec] = Field(default_factory=dict)
    http: HttpOperation | None = None
    key: str = ""


def json_type(raw: dict) -> str:
    """The schema's type as one lower-case word (first non-null of a list or a union)."""
    t = raw.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t is None:
        for union in ("anyOf", "oneOf", "allOf"):
            branches = raw.get(union)
            if isinstance(branches, list):
                for b in branches:
                    if isinstance(b, dict) and b.get("type") not in (None, "null"):
                        return json_type(b)
        if "properties" in raw:
            return "object"
        if "items" in raw:
            return "array"
    return str(t or "string").lower()


def param_from(raw: Any, where: str, required_default: bool = False, location: Location = "") -> ParamSpec:
    """A parameter from a JSON Schema property or a NESTFUL-style ``{type, description, ...}``."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: a parameter must be a mapping with a type and a description")
    enum = raw.get("enum") or raw.get("allowed_values") or raw.get("possible_values") or ()
    if "required" in raw and isinstance(raw["required"], bool):
        required = raw["required"]
    elif "optional" in raw:
        required = not raw["optional"]
    else:
        required = required_default
    default = raw.get("default", raw.get("default_value"))
    if isinstance(default, dict):
        default = None
    if isinstance(default, list) and not all(isinstance(v, Scalar) for v in default):
        default = None
    enum_values = tuple(v for v in enum if isinstance(v, Scalar)) if isinstance(enum, list) else ()
    return ParamSpec(
        type=json_type(raw), description=str(raw.get("description") or raw.get("title") or ""),
        required=required, default=default, enum=enum_values, format=str(raw.get("format") or ""),
        location=location,
    )


def _fields(schema: dict) -> dict | None:
    """The properties of an object schema, or of the objects an array schema holds."""
    if json_type(schema) == "array" and isinstance(schema.get("items"), dict):
        return _fields(schema["items"])
    props = schema.get("properties")
    if isinstance(props, dict):
        return props
    for union in ("allOf", "anyOf", "oneOf"):  # an object made of parts
        if isinstance(schema.get(union), list):
            merged: dict = {}
            for part in schema[union]:
                if isinstance(part, dict):
                    merged.update(_fields(part) or {})
            if merged:
                return merged
    return None


def _required(schema: dict) -> set[str]:
    if json_type(schema) == "array" and isinstance(schema.get("items"), dict):
        return _required(schema["items"])
    req = schema.get("required")
    return set(req) if isinstance(req, list) else set()


def schema_params(schema: Any, where: str, location: Location = "", prefix: str = "",
                  parent_required: bool = True, depth: int = 0) -> dict[str, ParamSpec]:
    """Input parameters of an object schema; nested objects' fields become dotted names
    (required when they and every object above them are)."""
    if not isinstance(schema, dict):
        raise CatalogError(f"{where}: the parameters must be a JSON Schema object")
    props = _fields(schema)
    if props is None:
        return {}
    required = _required(schema)
    out: dict[str, ParamSpec] = {}
    for name, raw in props.items():
        path = f"{prefix}{name}"
        is_required = parent_required and name in required
        if not isinstance(raw, dict):
            raise CatalogError(f"{where} parameter {path!r}: a parameter must be a mapping")
        nested = _fields(raw) if json_type(raw) == "object" else None
        if nested and depth < MAX_DEPTH:
            out.update(schema_params(raw, where, location, f"{path}.", is_required, depth + 1))
        else:
            out[path] = param_from(raw, f"{where} parameter {path!r}", is_required, location)
    return out


def schema_outputs(schema: Any, where: str, prefix: str = "", depth: int = 0) -> dict[str, ParamSpec]:
    """Output fields of a response schema, nested objects and arrays of objects as dotted paths
    (the object keeps its own entry too, as NESTFUL's output lists do)."""
    if not isinstance(schema, dict):
        return {}
    props = _fields(schema)
    out: dict[str, ParamSpec] = {}
    for name, raw in (props or {}).items():
        if not isinstance(raw, dict):
            raw = {"type": str(raw)}
        path = f"{prefix}{name}"
        out[path] = param_from(raw, f"{where} output {path!r}")
        if depth < MAX_DEPTH - 1 and _fields(raw):
            out.update(schema_outputs(raw, where, f"{path}.", depth + 1))
    return out


def block_params(raw: Any, where: str, unmarked_required: bool = False) -> dict[str, ParamSpec]:
    """Parameters given as a JSON Schema object, as ``name -> {type, description, ...}``, or as a
    list of ``{name, ...}`` (NESTFUL's ``arguments``). ``unmarked_required``: in a block that
    marks no parameter required or optional, those without a default are required (NESTFUL's
    ``arguments``, whose optional slots carry a ``default_value``)."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        named = {}
        for i, item in enumerate(raw):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise CatalogError(f"{where}: argument [{i}] has no name")
            named[item["name"]] = {k: v for k, v in item.items() if k != "name"}
        raw = named
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: parameters must be a mapping")
    if json_type(raw) == "object" and ("properties" in raw or raw.get("type") == "object"):
        return schema_params(raw, where)
    flags = [v for v in raw.values() if isinstance(v, dict)]
    # A spec that marks only some parameters "optional" leaves the others required; one that
    # marks nothing leaves every parameter optional (the translator reads such specs loosely),
    # unless ``unmarked_required``.
    implicit = any("optional" in f for f in flags) and not any("required" in f for f in flags)
    marks_nothing = not any("optional" in f or "required" in f for f in flags)
    out = {}
    for k, v in raw.items():
        if unmarked_required and marks_nothing:
            implicit = isinstance(v, dict) and "default" not in v and "default_value" not in v \
                and not OPTIONAL_TEXT.search(str(v.get("description") or ""))
        out[k] = param_from(v, f"{where} parameter {k!r}", implicit)
    return out


def flat_outputs(props: Any, where: str, prefix: str = "", depth: int = 0) -> dict[str, ParamSpec]:
    """Declared outputs: a JSON Schema object, ``name -> spec | type name``, or a list of names."""
    if isinstance(props, list):
        props = {str(p.get("name")) if isinstance(p, dict) else str(p): p if isinstance(p, dict) else {}
                 for p in props}
    if not isinstance(props, dict):
        raise CatalogError(f"{where}: output parameters must be a mapping")
    if json_type(props) == "object" and isinstance(props.get("properties"), dict):
        return schema_outputs(props, where)
    out: dict[str, ParamSpec] = {}
    for key, raw in props.items():
        path = f"{prefix}{key}"
        if isinstance(raw, str):  # a bare type name
            raw = {"type": raw}
        out[path] = param_from(raw, f"{where} output {path!r}")
        nested = raw.get("properties") if isinstance(raw, dict) else None
        if isinstance(nested, dict) and depth < 2:
            out.update(flat_outputs(nested, where, f"{path}.", depth + 1))
    return out
