"""NESTFUL's specification in the other forms its releases and users write, built from the
bundled executable spec (same functions, same gold), to check that every form imports and
scores alike:

- ``arguments``: inputs under ``arguments`` with ``allowed_values`` and ``default_value``
  (the form of NESTFUL's non-executable splits);
- ``arguments-unmarked``: ``arguments`` with no ``required`` flags (the importer then takes an
  argument with a default, or a description that says "default"/"optional", as optional and
  the others as required);
- ``arguments-list``: ``arguments`` as a list of ``{name, ...}`` with a function-level
  ``required`` list;
- ``parameters-schema``: inputs as a JSON Schema object (``properties``/``required``/``enum``/
  ``default``) under ``parameters``;
- ``repeated-names``: every third function declared a second time under the same name with a
  different spec (reworded, only its required inputs), as the public data does;
- ``openai-tools``: OpenAI tool entries with the outputs declared beside them;
- ``mcp-tools``: an MCP ``tools/list`` result (``inputSchema``, ``outputSchema``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VARIANTS = ("arguments", "arguments-unmarked", "arguments-list", "parameters-schema", "repeated-names", "openai-tools", "mcp-tools")
INPUT_BLOCKS = ("path_parameters", "query_parameters")


def _inputs(fn: dict) -> dict[str, dict]:
    """The function's inputs, each with an explicit ``required`` (a block that marks only
    some inputs ``optional`` leaves the others required; one that marks nothing, none)."""
    out: dict[str, dict] = {}
    for key in INPUT_BLOCKS:
        block = fn.get(key) or {}
        only_optional = any("optional" in p for p in block.values()) and not any("required" in p for p in block.values())
        for name, p in block.items():
            required = (not p.get("optional")) if only_optional else bool(p.get("required", False))
            out[name] = {**{k: v for k, v in p.items() if k not in ("optional", "required")}, "required": required}
    return out


def _as_argument(p: dict) -> dict:
    arg = {k: v for k, v in p.items() if k not in ("enum", "default")}
    if "enum" in p:
        arg["allowed_values"] = p["enum"]
    if "default" in p:
        arg["default_value"] = p["default"]
    return arg


def _json_type(t: Any) -> str:
    t = str(t or "string").lower()
    if t.startswith("date") or t == "enum":
        return "string"
    return t if t in ("string", "number", "integer", "boolean", "array", "object") else "string"


def _schema(fn: dict) -> dict:
    props: dict[str, dict] = {}
    for name, p in _inputs(fn).items():
        prop = {"type": _json_type(p.get("type")), "description": p.get("description", "")}
        if str(p.get("type", "")).lower().startswith("date"):
            prop["format"] = "date"
        enum = p.get("enum") or p.get("allowed_values") or p.get("possible_values")
        if enum:
            prop["enum"] = enum
        if "default" in p:
            prop["default"] = p["default"]
        props[name] = prop
    return {"type": "object", "properties": props,
            "required": [n for n, p in _inputs(fn).items() if p.get("required")]}


def _output_schema(fn: dict) -> dict:
    return {"type": "object", "properties": fn.get("output_parameters") or {}}


def build_variant(spec: list[dict], variant: str) -> Any:
    """The executable spec rewritten in one of :data:`VARIANTS`."""
    if variant == "arguments":
        return [{"name": f["name"], "description": f["description"],
                 "arguments": {n: _as_argument(p) for n, p in _inputs(f).items()},
                 "output_parameters": f.get("output_parameters") or {}} for f in spec]
    if variant == "arguments-unmarked":
        return [{"name": f["name"], "description": f["description"],
                 "arguments": {n: {k: v for k, v in _as_argument(p).items() if k != "required"}
                               for n, p in _inputs(f).items()},
                 "output_parameters": f.get("output_parameters") or {}} for f in spec]
    if variant == "arguments-list":
        return [{"name": f["name"], "description": f["description"],
                 "arguments": [{"name": n, **{k: v for k, v in _as_argument(p).items() if k != "required"}}
                               for n, p in _inputs(f).items()],
                 "required": [n for n, p in _inputs(f).items() if p["required"]],
                 "output_parameters": f.get("output_parameters") or {}} for f in spec]
    if variant == "parameters-schema":
        return [{"name": f["name"], "description": f["description"], "parameters": _schema(f),
                 "output_parameters": f.get("output_parameters") or {}} for f in spec]
    if variant == "repeated-names":
        out = []
        for i, f in enumerate(spec):
            out.append(f)
            if i % 3 == 0:
                required = {n: p for n, p in _inputs(f).items() if p["required"]}
                out.append({"name": f["name"], "description": f"Another version of this service: {f['description']}",
                            "query_parameters": required, "output_parameters": f.get("output_parameters") or {}})
        return out
    if variant == "openai-tools":
        return [{"type": "function", "function": {"name": f["name"], "description": f["description"],
                                                  "parameters": _schema(f)},
                 "output_parameters": f.get("output_parameters") or {}} for f in spec]
    if variant == "mcp-tools":
        return {"jsonrpc": "2.0", "id": 1, "result": {"tools": [
            {"name": f["name"], "description": f["description"], "inputSchema": _schema(f),
             **({"outputSchema": _output_schema(f)} if f.get("output_parameters") else {})} for f in spec]}}
    raise ValueError(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")


def write_variants(spec_path: Path, out_dir: Path) -> list[Path]:
    """Every variant of ``spec_path`` as ``out_dir/<variant>.json``."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for variant in VARIANTS:
        path = out_dir / f"{variant}.json"
        path.write_text(json.dumps(build_variant(spec, variant), indent=1), encoding="utf-8")
        paths.append(path)
    return paths
