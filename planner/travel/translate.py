"""One interface for text -> TripSpec translators, and per-field translation accuracy."""

from __future__ import annotations

import difflib
from typing import Protocol

from planner.travel.database import Background, load_background
from planner.travel.spec import SpecError, TripSpec

FIELDS = ("org", "dest", "days", "visiting_city_number", "date", "people_number", "budget",
          "house rule", "cuisine", "room type", "transportation")


class Translator(Protocol):
    """Turns a request into a TripSpec or raises SpecError (a one-line reason)."""

    name: str

    def translate(self, text: str) -> TripSpec: ...


def translate_checked(translator: Translator, text: str) -> tuple[TripSpec, list]:
    """The spec and the doubts of its reading (request_doubts.Doubt); a translator that reports
    none (the LLM) gives an empty list."""
    checked = getattr(translator, "translate_checked", None)
    if checked is not None:
        return checked(text)
    return translator.translate(text), []


def check_places(spec: TripSpec, background: Background | None = None) -> TripSpec:
    """Origin must be a known city, destination a known city or state; else name the closest."""
    bg = background or load_background()
    cities, states = set(bg.city_state), set(bg.states)
    if spec.origin not in cities:
        raise SpecError(_unknown("origin", spec.origin, cities))
    if spec.destination not in cities and spec.destination not in states:
        raise SpecError(_unknown("destination", spec.destination, cities | states))
    if spec.origin == spec.destination:
        raise SpecError(f"origin and destination are the same city ({spec.origin})")
    check_contradictions(spec)
    return spec


def check_contradictions(spec: TripSpec) -> None:
    """A request that contradicts itself is reported before any solving."""
    from planner.travel.extra import registry

    for c in spec.extra:
        why = registry.get(c.type).conflict(c.value, spec)
        if why:
            raise SpecError(f"contradictory request: {why}")


def _unknown(field: str, name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.5)
    hint = f"; closest known cities: {', '.join(close)}" if close else ""
    return f"unknown {field} city {name!r}: not in the database{hint}"


def field_values(fields: dict) -> dict:
    lc = fields.get("local_constraint") or {}
    out = {k: fields.get(k) for k in FIELDS[:7]}
    out["date"] = list(out["date"] or [])
    for k in FIELDS[7:]:
        v = lc.get(k)
        out[k] = sorted(v) if isinstance(v, list) else v
    return out


def field_accuracy(pairs: list[tuple[dict | None, dict]]) -> dict[str, float]:
    """Share of queries whose predicted field equals the gold field (None prediction = wrong)."""
    n = len(pairs)
    hits = {f: 0 for f in FIELDS}
    for pred, gold in pairs:
        g = field_values(gold)
        if pred is None:
            continue
        p = field_values(pred)
        for f in FIELDS:
            hits[f] += p[f] == g[f]
    return {f: hits[f] / n if n else 0.0 for f in FIELDS}
