"""Output helpers shared by the CLI commands: one JSON document on stdout for ``--json``."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import typer

JSON_HELP = "Print the results as one JSON document on stdout (progress and tables go to stderr)."


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for pydantic models, dataclasses, counters, paths and containers of them."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def echo_json(data: Any) -> None:
    """Write `data` to stdout as a single JSON document."""
    typer.echo(json.dumps(to_jsonable(data), indent=1))


def console(as_json: bool = False, **kwargs: Any):
    """A rich console; with ``--json`` it writes to stderr so stdout holds only the JSON document."""
    from rich.console import Console

    return Console(stderr=as_json, **kwargs)
