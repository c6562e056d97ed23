"""Tool lists in the formats users have, read entry by entry into :class:`FunctionSpec`.

- OpenAI: ``{"type": "function", "function": {name, description, parameters}}`` (or the bare
  inner object);
- MCP ``tools/list`` results: ``{name, description, inputSchema, outputSchema?}``, also inside
  ``{"tools": [...]}`` or a JSON-RPC ``{"result": {"tools": [...]}}``;
- Anthropic: ``{name, description, input_schema}``;
- NESTFUL and other function specs: inputs under ``parameters`` (a JSON Schema or
  ``name -> {type, description, required, default, enum}``), ``arguments`` (the same, or a list
  of ``{name, ...}``; ``allowed_values``, ``default_value``), ``query_parameters``,
  ``path_parameters`` or ``body_parameters``; outputs under ``output_parameters``.

Outputs declared under ``output_parameters``, ``outputs``, ``returns``, ``outputSchema`` or
``output_schema`` are read as given; a tool that declares none gets them inferred from its
description (:mod:`output_inference`). An entry that cannot be read becomes one warning line and
is skipped; the others still load.
"""

from __future__ import annotations

import json
from typing import Any

from planner.api.catalog import CatalogError
from planner.api.function_spec import (
    FunctionSpec,
    ParamSpec,
    block_params,
    flat_outputs,
    schema_params,
)
from planner.api.output_inference import infer_outputs
from planner.api.refs import inline_refs

INPUT_KEYS = ("path_parameters", "query_parameters", "parameters", "arguments", "body_parameters",
              "inputSchema", "input_schema")
OUTPUT_KEYS = ("output_parameters", "outputs", "returns", "outputSchema", "output_schema")


def tool_entries(raw: Any, source: str) -> list[Any]:
    """The list of entries inside the known wrappers."""
    if isinstance(raw, dict):
        if isinstance(raw.get("result"), dict) and isinstance(raw["result"].get("tools"), list):
            raw = raw["result"]["tools"]  # a JSON-RPC tools/list response
        elif isinstance(raw.get("tools"), list):
            raw = raw["tools"]
        elif isinstance(raw.get("functions"), list):
            raw = raw["functions"]
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"{source}: expected a non-empty list of tools or function specifications")
    return raw


def read_entry(entry: Any, index: int, source: str) -> FunctionSpec:
    """One tool, in any of the formats of the module docstring."""
    if isinstance(entry, dict) and entry.get("type") == "function" and isinstance(entry.get("function"), dict):
        outer = {k: v for k, v in entry.items() if k not in ("type", "function")}
        entry = {**outer, **entry["function"]}
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise CatalogError(f"{source}: entry [{index}] has no name")
    where = f"{source}: function {entry['name']!r}"
    params: dict[str, ParamSpec] = {}
    for key in INPUT_KEYS:
        block = entry.get(key)
        if block is None:
            continue
        if isinstance(block, dict) and "$ref" in json.dumps(block):
            block = inline_refs(block, where=where)  # "#/$defs/..." inside a tool's own schema
        if key in ("inputSchema", "input_schema"):
            params.update(schema_params(block, where))
        else:
            params.update(block_params(block, where, unmarked_required=key == "arguments"))
    required = entry.get("required")
    if isinstance(required, list):  # a function-level list of required argument names
        params = {k: p.model_copy(update={"required": k in required}) for k, p in params.items()}
    description = str(entry.get("description") or entry.get("title") or "")
    declared = next((entry[k] for k in OUTPUT_KEYS if entry.get(k) is not None), None)
    if isinstance(declared, str):  # "returns": "the ISBN and the publisher"
        outputs = infer_outputs(f"returns {declared}", entry["name"])
    elif declared is not None:
        if isinstance(declared, dict) and "$ref" in json.dumps(declared):
            declared = inline_refs(declared, where=where)
        outputs = flat_outputs(declared, where)
        if not outputs:
            raise CatalogError(f"{where}: its output schema declares no fields")
    else:
        outputs = infer_outputs(description, entry["name"])
    return FunctionSpec(name=entry["name"].strip(), description=description, parameters=params, outputs=outputs)


def read_tools(raw: Any, source: str = "<tools>") -> tuple[list[FunctionSpec], list[str]]:
    """Every readable entry, and one warning line per entry that is not."""
    specs: list[FunctionSpec] = []
    warnings: list[str] = []
    for i, entry in enumerate(tool_entries(raw, source)):
        try:
            specs.append(read_entry(entry, i, source))
        except CatalogError as exc:
            warnings.append(f"{exc}; skipped")
    if not specs:
        raise CatalogError(f"{warnings[0].removesuffix('; skipped')} (and no other entry could be read)"
                           if warnings else f"{source}: no entry could be read")
    return specs, warnings
