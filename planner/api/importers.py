"""Catalogs from the specifications users already have, with no hand-written cues: OpenAPI 3.0 /
3.1 and Swagger 2.0 documents (:mod:`openapi`), and tool lists in OpenAI, MCP, Anthropic and
NESTFUL form (:mod:`tool_formats`).

Every format is read into :class:`FunctionSpec` (name, description, typed parameters with
``required``/default/enum/format, typed outputs; nested objects flatten to dotted paths), then
one builder makes the catalog: every parameter and output becomes a type carrying its
description, and an input whose name ends with an output's name (``originSkyId`` and ``skyId``)
and that reads as a reference (an id, a key, "obtained from ... API") takes that output's type, so
clingo and the planner see the data flow. A name declared twice with different specs is kept
twice (``translate_text`` and ``translate_text_2``, both called by the source's name) with one
warning; an entry that cannot be read is one warning line and the rest still loads.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from planner.api.catalog import ApiSpec, Catalog, CatalogError, TypeSpec, check_catalog
from planner.api.function_spec import FunctionSpec, ParamSpec
from planner.api.openapi import base_path, openapi_version, read_openapi
from planner.api.tool_formats import read_tools

__all__ = ["FunctionSpec", "ImportResult", "ParamSpec", "build_catalog", "import_spec", "load_spec",
           "read_function_specs", "read_openapi"]


# --- names ---------------------------------------------------------------------------------------

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


def read_function_specs(raw: Any, source: str = "<specs>") -> list[FunctionSpec]:
    """A tool or function list in any format :mod:`tool_formats` reads; raises on the first
    entry that cannot be read (:func:`load_spec` skips it with a warning instead)."""
    specs, warnings = read_tools(raw, source)
    if warnings:
        raise CatalogError(warnings[0].removesuffix("; skipped"))
    return specs


def disambiguate(specs: list[FunctionSpec], source: str) -> tuple[list[FunctionSpec], list[str]]:
    """Specs under unique catalog names: an exact repeat is dropped, a name repeated with a
    different spec gets ``_2``, ``_3`` ... (one warning per name); calls keep the source's name."""
    kept: list[FunctionSpec] = []
    by_key: dict[str, list[FunctionSpec]] = {}
    repeated: dict[str, list[str]] = {}
    for spec in specs:
        base = ident(spec.name)
        same = by_key.setdefault(base, [])
        if any(s.model_dump(exclude={"key"}) == spec.model_dump(exclude={"key"}) for s in same):
            continue
        key = base if not same else f"{base}_{len(same) + 1}"
        while any(k.key == key for k in kept):
            key += "_x"
        spec = spec.model_copy(update={"key": key})
        same.append(spec)
        kept.append(spec)
        if len(same) > 1:
            repeated.setdefault(base, [same[0].key]).append(key)
    warnings = [f"{source}: {len(keys)} different functions are named {by_key[base][0].name!r}"
                f"{' (or the same up to punctuation)' if len({s.name for s in by_key[base]}) > 1 else ''}: "
                f"kept as {', '.join(keys)}; calls use the source's names"
                for base, keys in repeated.items()]
    return kept, warnings


RESULT = "_result"
GENERIC_FIELD_WORDS = {"id", "name", "code", "key", "type", "url", "date", "time", "data", "value", "title", "text"}
REFERENCE_WORDS = {"id", "ids", "key", "token", "cik", "uuid", "identifier"}
GENERIC_NAME_WORDS = {"api", "get", "search", "by", "the", "of", "and", "list", "find", "com"}
FROM_API = re.compile(r"\b(?:obtained|retrieved|extracted|returned|taken)\b.*\bfrom\b", re.IGNORECASE)


def value_class(p: ParamSpec, name: str) -> str:
    words = set(_words(name)) | set(re.findall(r"[a-z]+", p.description.lower()))
    if p.format in ("date", "date-time") or "date" in p.type or "yyyy" in p.description.lower() \
            or "date" in _words(name):
        return "date"
    if p.format == "email":
        return "email"
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
    if best and re.search(rf"(?<!\w){re.escape(producer.name)}(?!\w)", p.description):
        best += 1.0  # "obtained from findDoctors": the description names the producing API
    return best


def build_catalog(specs: list[FunctionSpec], name: str, description: str = "") -> Catalog:
    """The catalog for imported functions (see the module docstring); call :func:`disambiguate`
    first when names may repeat."""
    keys: dict[str, str] = {}
    for spec in specs:
        key = spec.key or ident(spec.name)
        if key in keys:
            raise CatalogError(f"{name}: functions {keys[key]!r} and {spec.name!r} map to the same name {key!r}")
        keys[key] = spec.name
    types: dict[str, TypeSpec] = {}

    def key_of(spec: FunctionSpec) -> str:
        return spec.key or ident(spec.name)

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
            out_type[(key_of(spec), path)] = add_type(f"o_{key_of(spec)}__{ident(path)}", o, path)
    apis: list[ApiSpec] = []
    for spec in specs:
        inputs: dict[str, str] = {}
        optional: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        for pname, p in spec.parameters.items():
            best, best_type = 0.0, None
            for other in specs:
                if key_of(other) == key_of(spec):
                    continue
                for path, o in other.outputs.items():
                    s = link_score(spec, pname, p, other, path, o)
                    if s > best:
                        best, best_type = s, out_type[(key_of(other), path)]
            tname = best_type or add_type(f"i_{key_of(spec)}__{ident(pname)}", p, pname)
            (inputs if p.required else optional)[pname] = tname
            if p.default is not None:
                defaults[pname] = p.default
        outs = spec.outputs or {"result": ParamSpec()}
        # "_result": the call's whole answer, the goal a translator names to ask for this API.
        result = add_type(f"r_{key_of(spec)}", ParamSpec(description=spec.description or spec.name),
                          "_result", askable=False)
        apis.append(ApiSpec(
            name=key_of(spec), title=spec.name, description=spec.description or spec.name,
            inputs=inputs, optional=optional, defaults=defaults,
            outputs={**{path: out_type[(key_of(spec), path)] for path in outs}, RESULT: result},
            inferred=tuple(path for path, o in outs.items() if o.inferred),
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


@dataclass
class ImportResult:
    """A catalog, the functions it was built from (with their HTTP details, for OpenAPI), the
    path prefix of the document's server, and one warning line per entry skipped or renamed."""

    catalog: Catalog
    functions: list[FunctionSpec]
    warnings: list[str] = field(default_factory=list)
    base_path: str = ""

    def function(self, api_name: str) -> FunctionSpec:
        return next(f for f in self.functions if (f.key or ident(f.name)) == api_name)


def load_spec(path: str | Path, name: str | None = None) -> ImportResult:
    """Import an OpenAPI 3.0/3.1 or Swagger 2.0 document (YAML or JSON) or a tool list (JSON or
    YAML) in OpenAI, MCP, Anthropic or NESTFUL form."""
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"specification file not found: {path}")
    if path.is_dir():
        raise CatalogError(f"specification path is a folder, not a file: {path}")
    doc = _load_document(path)
    warnings: list[str] = []
    cat_name = name or path.stem
    if openapi_version(doc) is not None:
        info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
        specs = read_openapi(doc, path.name, path=path, warnings=warnings)
        cat_name, description = name or info.get("title") or cat_name, str(info.get("description") or "")
    elif isinstance(doc, dict) and ("openapi" in doc or "swagger" in doc):
        raise CatalogError(f"{path.name}: unsupported OpenAPI version "
                           f"{doc.get('openapi') or doc.get('swagger')!r} (3.0, 3.1 and Swagger 2.0 are read)")
    else:
        specs, warnings = read_tools(doc, path.name)
        description = ""
    specs, renamed = disambiguate(specs, path.name)
    catalog = build_catalog(specs, cat_name, description)
    return ImportResult(catalog, specs, warnings + renamed, base_path(doc))


def import_spec(path: str | Path, name: str | None = None) -> Catalog:
    """The catalog of :func:`load_spec` (its warnings are dropped: use ``load_spec`` to see them)."""
    return load_spec(path, name).catalog
