"""OpenAPI 3.0 / 3.1 and Swagger 2.0 documents: one :class:`FunctionSpec` per operation.

An operation's inputs are its path, query and header parameters and the fields of its JSON (or
form) request body, nested objects as dotted names; its outputs are the fields of the first
success response's JSON schema. ``$ref``s are resolved with ``referencing`` (:mod:`refs`),
local pointers and sibling files alike. An operation that cannot be read becomes one warning
line; the others still load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from planner.api.catalog import CatalogError
from planner.api.function_spec import (
    FunctionSpec,
    HttpOperation,
    ParamSpec,
    param_from,
    schema_outputs,
    schema_params,
)
from planner.api.output_inference import infer_outputs
from planner.api.refs import RefResolver

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
LOCATIONS = {"path", "query", "header"}


def openapi_version(doc: Any) -> str | None:
    """``"3.0"``, ``"3.1"`` or ``"2.0"`` for an OpenAPI/Swagger document, else None."""
    if not isinstance(doc, dict):
        return None
    if str(doc.get("swagger", "")).startswith("2"):
        return "2.0"
    version = str(doc.get("openapi", ""))
    return version[:3] if version.startswith("3") else None


def _media(content: Any) -> tuple[Any, str]:
    """The schema of a JSON (else form) media type, and where its fields go."""
    if not isinstance(content, dict):
        return None, ""
    for media, item in content.items():
        if isinstance(item, dict) and (media == "application/json" or media.endswith("+json")):
            return item.get("schema"), "body"
    for media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if isinstance(content.get(media), dict):
            return content[media].get("schema"), "form"
    return None, ""


def _parameter(p: Any, where: str, swagger: bool) -> tuple[str, ParamSpec] | None:
    if not isinstance(p, dict) or not isinstance(p.get("name"), str):
        raise CatalogError(f"{where}: a parameter has no name")
    location = p.get("in")
    if location == "body" or location == "formData" or location == "cookie":
        return None  # a Swagger body/form parameter is read with the body; cookies are not sent
    if location not in LOCATIONS:
        raise CatalogError(f"{where} parameter {p['name']!r}: 'in' must be path, query or header")
    schema = p if swagger else (p.get("schema") or {})
    raw = {**schema, "description": p.get("description") or schema.get("description", "")}
    required = bool(p.get("required")) or location == "path"
    return p["name"], param_from(raw, f"{where} parameter {p['name']!r}", required, location).model_copy(
        update={"required": required})


def _swagger_body(params: list[Any], where: str) -> dict[str, ParamSpec]:
    out: dict[str, ParamSpec] = {}
    for p in params:
        if not isinstance(p, dict):
            continue
        if p.get("in") == "body" and isinstance(p.get("schema"), dict):
            out.update(schema_params(p["schema"], where, "body"))
        elif p.get("in") == "formData" and isinstance(p.get("name"), str):
            out[p["name"]] = param_from(p, f"{where} parameter {p['name']!r}", bool(p.get("required")), "form")
    return out


def _operation(path: str, method: str, op: dict, shared: list[Any], where: str, swagger: bool) -> FunctionSpec:
    name = op.get("operationId") or f"{method}_{path}"
    params: dict[str, ParamSpec] = {}
    all_params = [*shared, *(op.get("parameters") or [])]
    for p in all_params:
        found = _parameter(p, where, swagger)
        if found is not None:
            params[found[0]] = found[1]
    if swagger:
        params.update(_swagger_body(all_params, where))
    else:
        body = op.get("requestBody") or {}
        schema, location = _media(body.get("content")) if isinstance(body, dict) else (None, "")
        if isinstance(schema, dict):
            fields = schema_params(schema, where, location)  # type: ignore[arg-type]
            if not body.get("required", True):
                fields = {k: p.model_copy(update={"required": False}) for k, p in fields.items()}
            params.update(fields)
    outputs: dict[str, ParamSpec] = {}
    responses = op.get("responses") or {}
    for code in sorted(responses, key=str):
        if str(code).startswith("2"):
            resp = responses[code]
            schema = (resp.get("schema") if swagger else _media(resp.get("content"))[0]) if isinstance(resp, dict) else None
            outputs = schema_outputs(schema, where)
            break
    description = str(op.get("summary") or op.get("description") or "")
    if not outputs:
        outputs = infer_outputs(description, name)
    return FunctionSpec(name=name, description=description, parameters=params, outputs=outputs,
                        http=HttpOperation(method=method.upper(), path=path))


def read_openapi(doc: Any, source: str = "<openapi>", path: Path | None = None,
                 warnings: list[str] | None = None) -> list[FunctionSpec]:
    """The document's operations (see the module docstring); unreadable operations are skipped
    with a line in ``warnings`` (raised when no list is given)."""
    version = openapi_version(doc)
    if version is None:
        raise CatalogError(f"{source}: not an OpenAPI document (no 'openapi: 3.x' or 'swagger: 2.0' field)")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise CatalogError(f"{source}: the document has no paths")
    resolver = RefResolver(doc, path)
    specs: list[FunctionSpec] = []
    for route, item in paths.items():
        try:
            item = resolver.inline(item, f"{source}: path {route!r}")
        except CatalogError as exc:
            if warnings is None:
                raise
            warnings.append(f"{exc}; skipped")
            continue
        if not isinstance(item, dict):
            problem = f"{source}: path {route!r} must be a mapping"
            if warnings is None:
                raise CatalogError(problem)
            warnings.append(f"{problem}; skipped")
            continue
        shared = item.get("parameters") or []
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{source}: operation {(op.get('operationId') if isinstance(op, dict) else None) or f'{method} {route}'!r}"
            try:
                if not isinstance(op, dict):
                    raise CatalogError(f"{where}: an operation must be a mapping")
                specs.append(_operation(route, method, op, shared, where, version == "2.0"))
            except CatalogError as exc:
                if warnings is None:
                    raise
                warnings.append(f"{exc}; skipped")
    if not specs:
        first = warnings[0].removesuffix("; skipped") if warnings else ""
        raise CatalogError(f"{first} (and the document has no other operation)" if first
                           else f"{source}: the document has no operations")
    return specs


def base_path(doc: Any) -> str:
    """The path prefix the document's first server (3.x, relative or absolute URL) or ``basePath``
    (2.0) gives, or ''; ``run api`` sends to ``--base-url`` + this prefix + the operation's path."""
    if not isinstance(doc, dict):
        return ""
    if openapi_version(doc) == "2.0":
        return str(doc.get("basePath") or "").rstrip("/")
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        path = urlparse(str(servers[0].get("url") or "")).path.rstrip("/")
        if "{" not in path:  # a templated server path is left to --base-url
            return path
    return ""
