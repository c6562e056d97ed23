"""Answers to a reading's doubts: the user states the field a doubt concerns ('transportation=no
flight'), from a flag, a JSON file, or a prompt, and the spec takes the answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from planner.travel.spec import (
    CUISINES,
    HOUSE_RULES,
    ROOM_TYPES,
    TRANSPORT_BANS,
    SpecError,
    TripSpec,
    dates_from,
)

CHOICES = {
    "transportation": ("none", *TRANSPORT_BANS),
    "house rule": ("none", *HOUSE_RULES),
    "room type": ("none", *ROOM_TYPES),
}
FIELDS = ("transportation", "house rule", "room type", "cuisine", "budget", "people", "days", "dates",
          "visiting_city_number")
ALIASES = {"people_number": "people", "house_rule": "house rule", "room_type": "room type", "date": "dates",
           "start": "dates", "cuisines": "cuisine"}


def field_of(doubt_field: str) -> str | None:
    """The answerable field a doubt concerns (None: places, which a rephrased request must name)."""
    name = ALIASES.get(doubt_field, doubt_field)
    return name if name in FIELDS else None


def parse_answers(pairs: list[str], path: Path | None = None) -> dict[str, str]:
    """FIELD=VALUE pairs and a JSON object file as {field: value}; a bad one is a one-line error."""
    out: dict[str, str] = {}
    if path is not None:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SpecError(f"cannot read answers file {path}: {exc}") from None
        if not isinstance(data, dict):
            raise SpecError(f"answers file {path} must hold a JSON object of field: value")
        out.update({str(k): "none" if v is None else ", ".join(v) if isinstance(v, list) else str(v)
                    for k, v in data.items()})
    for pair in pairs:
        if "=" not in pair:
            raise SpecError(f"--answer {pair!r} must be FIELD=VALUE, e.g. transportation='no flight'")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip()
    fixed = {}
    for key, value in out.items():
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            raise SpecError(f"unknown answer field {key!r} (known: {', '.join(FIELDS)})")
        fixed[name] = value
    return fixed


def apply_answers(spec: TripSpec, answers: dict[str, str]) -> TripSpec:
    """The spec with each answered field replaced; a value out of the field's range is an error."""
    local = spec.local.model_dump(by_alias=False)
    data = spec.model_dump()
    for name, value in answers.items():
        v = value.strip()
        if name in CHOICES:
            if v.lower() not in CHOICES[name]:
                raise SpecError(f"answer {name}={v!r}: choose one of {', '.join(CHOICES[name])}")
            local[name.replace(" ", "_")] = None if v.lower() == "none" else v.lower()
        elif name == "cuisine":
            names = [c.strip().capitalize() for c in v.split(",") if c.strip() and c.strip().lower() != "none"]
            bad = [c for c in names if c not in CUISINES]
            if bad:
                raise SpecError(f"answer cuisine: {', '.join(bad)} not among {', '.join(CUISINES)}")
            local["cuisine"] = names or None
        elif name == "dates":
            try:
                start = dt.date.fromisoformat(v)
            except ValueError:
                raise SpecError(f"answer dates={v!r}: give the first day as YYYY-MM-DD") from None
            data["dates"] = dates_from(start, spec.days)
        else:
            try:
                number = int(v.replace(",", "").lstrip("$"))
            except ValueError:
                raise SpecError(f"answer {name}={v!r} must be a whole number") from None
            if name == "days":
                data["days"] = number
                data["dates"] = dates_from(dt.date.fromisoformat(spec.dates[0]), number)
            else:
                data[name] = number
    data["local"] = local
    try:
        return TripSpec.model_validate(data)
    except ValueError as exc:
        raise SpecError(f"the answers make an invalid request: {' '.join(str(exc).split())[:200]}") from None


def unresolved(doubts: list, answers: dict[str, str]) -> list:
    """The doubts no answer settles."""
    return [d for d in doubts if field_of(d.field) not in answers]
