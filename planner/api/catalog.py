"""API catalogs: typed APIs over a vocabulary of value types, loaded from YAML or JSON and validated.

A catalog names value *types* (``origin_city``, ``hotel_offer``) and *APIs* whose inputs and
outputs are typed parameters. ``is_a`` makes a type a subtype (a ``destination_city`` is a
``city``); ``requires`` names APIs that must have run before (state preconditions such as
``login``). Types carry the vocabulary the built-in extractor reads: value class, cue phrases,
goal phrases and example values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Literal

import networkx as nx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.errors import ProofplanError
from common.paths import data_dir

IDENT = r"^[a-z][a-z0-9_]*$"
ValueClass = Literal["date", "time", "city", "email", "money", "integer", "code", "name", "text", "enum", "address", "none"]


class CatalogError(ProofplanError):
    """A catalog that cannot be used: malformed file, unknown names, duplicates, type cycles."""


class TypeSpec(BaseModel):
    """One value type of the catalog's vocabulary."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=IDENT)
    description: str = ""
    is_a: str | None = Field(default=None, pattern=IDENT)
    askable: bool = True
    value: ValueClass = "none"
    values: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    cues_after: tuple[str, ...] = ()
    goal_phrases: tuple[str, ...] = ()
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern is not a regular expression: {exc}") from None
        return value


Scalar = str | int | float | bool


class ApiSpec(BaseModel):
    """One API: typed inputs and outputs (parameter name -> type name), required prior calls."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=IDENT)
    description: str
    inputs: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, str]
    requires: tuple[str, ...] = ()
    # Imported specifications: the name as the source spells it, optional inputs (parameter ->
    # type, never preconditions), the defaults the source declares, and per-parameter text.
    title: str = ""
    optional: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    # Outputs read from the description (the source declares none): data may flow from them, but
    # a call's response may lack them.
    inferred: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The name to show and to emit in calls (the source's spelling when imported)."""
        return self.title or self.name

    @field_validator("outputs")
    @classmethod
    def _has_output(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("an API needs at least one output")
        return value

    def text(self) -> str:
        """A one-line description used for retrieval and prompts."""
        ins = ", ".join(f"{k}: {v}" for k, v in self.inputs.items())
        outs = ", ".join(f"{k}: {v}" for k, v in self.outputs.items())
        return f"{self.name}({ins}) -> ({outs}): {self.description}"


class Catalog(BaseModel):
    """A validated API catalog; build it with :func:`load_catalog` or :func:`parse_catalog`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=IDENT)
    description: str = ""
    types: tuple[TypeSpec, ...]
    apis: tuple[ApiSpec, ...]

    @cached_property
    def type_by_name(self) -> dict[str, TypeSpec]:
        return {t.name: t for t in self.types}

    @cached_property
    def api_by_name(self) -> dict[str, ApiSpec]:
        return {a.name: a for a in self.apis}

    def ancestors(self, type_name: str) -> list[str]:
        """The type and every supertype, nearest first."""
        out = [type_name]
        while (parent := self.type_by_name[out[-1]].is_a) is not None:
            out.append(parent)
        return out

    def satisfies(self, have: str, need: str) -> bool:
        """Whether a value of type ``have`` can fill an input of type ``need``."""
        return need in self.ancestors(have)

    def producers(self, type_name: str) -> list[ApiSpec]:
        """APIs with an output that can fill ``type_name``."""
        return [a for a in self.apis if any(self.satisfies(o, type_name) for o in a.outputs.values())]

    def subset(self, api_names: Iterable[str]) -> Catalog:
        """The same vocabulary restricted to some APIs (plus the APIs they require)."""
        keep = set(api_names)
        frontier = list(keep)
        while frontier:
            for req in self.api_by_name[frontier.pop()].requires:
                if req not in keep:
                    keep.add(req)
                    frontier.append(req)
        return Catalog(
            name=self.name,
            description=self.description,
            types=self.types,
            apis=tuple(a for a in self.apis if a.name in keep),
        )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate mapping keys (plain PyYAML keeps the last one)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise CatalogError(
                f"duplicate key {key!r} at line {key_node.start_mark.line + 1} "
                f"(first at line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _location(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def parse_catalog(raw: object, source: str = "<catalog>") -> Catalog:
    """Validate a parsed YAML/JSON document and return the catalog, or raise CatalogError."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{source}: a catalog must be a mapping with 'name', 'types' and 'apis'")
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _location(err["loc"])
        # Name the offending entry, not just its index, when it has a name.
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] in ("types", "apis") and isinstance(loc[1], int):
            entry = raw.get(loc[0])[loc[1]]
            if isinstance(entry, dict) and "name" in entry:
                where += f" ({entry['name']})"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CatalogError(f"{source}: {where}: {err['msg']}{more}") from None
    check_catalog(catalog, source)
    return catalog


def check_catalog(catalog: Catalog, source: str = "<catalog>") -> None:
    """Semantic checks: unique names, known type and API references, no ``is_a`` cycles."""
    seen_types: set[str] = set()
    for t in catalog.types:
        if t.name in seen_types:
            raise CatalogError(f"{source}: duplicate type name {t.name!r}")
        seen_types.add(t.name)
    seen_apis: set[str] = set()
    for a in catalog.apis:
        if a.name in seen_apis:
            raise CatalogError(f"{source}: duplicate API name {a.name!r}")
        if a.name in seen_types:
            raise CatalogError(f"{source}: API {a.name!r} has the same name as a type")
        seen_apis.add(a.name)
    for t in catalog.types:
        if t.is_a is not None and t.is_a not in seen_types:
            raise CatalogError(f"{source}: type {t.name!r} is_a unknown type {t.is_a!r}")
    if path := _cycle_path((t.name, t.is_a) for t in catalog.types if t.is_a is not None):
        raise CatalogError(f"{source}: type cycle in is_a: {path}")
    for a in catalog.apis:
        for kind, params in (("input", a.inputs), ("output", a.outputs), ("optional input", a.optional)):
            for pname, tname in params.items():
                if tname not in seen_types:
                    raise CatalogError(
                        f"{source}: API {a.name!r} {kind} {pname!r} has unknown type {tname!r}"
                    )
        for req in a.requires:
            if req not in seen_apis:
                raise CatalogError(f"{source}: API {a.name!r} requires unknown API {req!r}")
            if req == a.name:
                raise CatalogError(f"{source}: API {a.name!r} requires itself")
    if path := _cycle_path((a.name, r) for a in catalog.apis for r in a.requires):
        raise CatalogError(f"{source}: cycle in API requires: {path}")


def _cycle_path(edges: Iterable[tuple[str, str]]) -> str | None:
    """One cycle of the directed graph given by `edges` as ``a -> b -> a``, or None."""
    try:
        cycle = nx.find_cycle(nx.DiGraph(edges))
    except nx.NetworkXNoCycle:
        return None
    return " -> ".join([u for u, _ in cycle] + [cycle[0][0]])


def catalogs_dir() -> Path:
    return data_dir() / "api" / "catalogs"


def available_catalogs() -> list[str]:
    """Names of the bundled catalogs."""
    return sorted(p.stem for p in catalogs_dir().glob("*.yaml"))


def load_catalog(name_or_path: str | Path) -> Catalog:
    """Load a bundled catalog by name, or a ``.yaml``/``.yml``/``.json`` file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = catalogs_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            raise CatalogError(
                f"unknown catalog {str(name_or_path)!r}; bundled: {', '.join(available_catalogs())}"
            )
    if not path.exists():
        raise CatalogError(f"catalog file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read catalog file {path}: {exc}") from None
    return parse_catalog_text(text, source=path.name, is_json=path.suffix == ".json")


def parse_catalog_text(text: str, source: str = "<catalog>", is_json: bool = False) -> Catalog:
    """Parse YAML (or JSON) text into a validated catalog."""
    try:
        raw = json.loads(text) if is_json else yaml.load(text, Loader=_UniqueKeyLoader)
    except CatalogError as exc:
        raise CatalogError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{source}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(f"{source}: malformed YAML{line}: {problem}") from None
    except RecursionError:
        raise CatalogError(f"{source}: the document is nested too deeply") from None
    except (ValueError, TypeError) as exc:  # a huge integer literal, a list as a mapping key
        raise CatalogError(f"{source}: unreadable value: {str(exc).splitlines()[0][:120]}") from None
    return parse_catalog(raw, source)
