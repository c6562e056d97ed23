"""``$ref`` resolution for OpenAPI documents and JSON Schemas, with the ``referencing`` library.

:func:`inline_refs` returns a copy of a subtree with every ``$ref`` replaced by its target
(local pointers, and refs into other local files next to the document); a reference that
leads back into itself is cut and marked ``{"type": "object", "x-recursive": ref}``. Nothing is fetched over a
network: a ref to a remote URL is reported as unresolvable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from planner.api.catalog import CatalogError

DOC_URI = "urn:proofplan:document"


def _retrieve_local(uri: str) -> Resource:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise NoSuchResource(ref=uri)
    path = Path(unquote(parsed.path))
    try:
        text = path.read_text(encoding="utf-8")
        contents = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        raise NoSuchResource(ref=uri) from None
    return DRAFT202012.create_resource(contents)


class RefResolver:
    """Resolves refs relative to one document (its file, when it has one, for sibling files)."""

    def __init__(self, document: Any, path: Path | None = None) -> None:
        self.uri = path.resolve().as_uri() if path is not None else DOC_URI
        registry: Registry = Registry(retrieve=_retrieve_local)  # type: ignore[call-arg]
        self.registry = registry.with_resource(self.uri, DRAFT202012.create_resource(document))
        self.root = self.registry.resolver(base_uri=self.uri)

    def inline(self, node: Any, where: str) -> Any:
        """``node`` (a part of the document) with its refs replaced by their targets."""
        return self._walk(node, self.root, (), where)

    def _walk(self, node: Any, resolver: Any, stack: tuple[str, ...], where: str) -> Any:
        if isinstance(node, list):
            return [self._walk(v, resolver, stack, where) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable:
                raise CatalogError(f"{where}: $ref {ref} does not resolve") from None
            target_id = f"{id(resolved.contents)}"
            if target_id in stack:
                return {"type": "object", "x-recursive": ref}
            out = self._walk(resolved.contents, resolved.resolver, (*stack, target_id), where)
            siblings = {k: v for k, v in node.items() if k != "$ref"}  # OpenAPI 3.1 allows them
            if siblings and isinstance(out, dict):
                out = {**out, **self._walk(siblings, resolver, stack, where)}
            return out
        return {k: self._walk(v, resolver, stack, where) for k, v in node.items()}


def inline_refs(document: Any, node: Any = None, where: str = "<document>", path: Path | None = None) -> Any:
    """``node`` (default: the whole ``document``) with refs resolved against ``document``."""
    return RefResolver(document, path).inline(document if node is None else node, where)
