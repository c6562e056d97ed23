"""Discovers the constraint types (every module of this package with a CONSTRAINT)."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from planner.travel.extra.base import ConstraintType


@functools.lru_cache(maxsize=1)
def _types() -> dict[str, ConstraintType]:
    import planner.travel.extra as pkg

    out: dict[str, ConstraintType] = {}
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name in ("base", "registry"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{mod.name}")
        kind = getattr(module, "CONSTRAINT", None)
        if isinstance(kind, ConstraintType):
            out[kind.type] = kind
    return out


def names() -> list[str]:
    return sorted(_types())


def find(name: str) -> ConstraintType | None:
    return _types().get(name)


def get(name: str) -> ConstraintType:
    kind = find(name)
    if kind is None:
        raise KeyError(name)
    return kind


def all_types() -> list[ConstraintType]:
    return [_types()[n] for n in names()]
