"""`TripSpec`: the typed model of a travel request that every other part consumes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.errors import ProofplanError

HouseRule = Literal["smoking", "parties", "children under 10", "visitors", "pets"]
RoomType = Literal["shared room", "not shared room", "private room", "entire room"]
TransportBan = Literal["no flight", "no self-driving"]
Cuisine = Literal["Chinese", "American", "Italian", "Mexican", "Indian", "Mediterranean", "French"]

HOUSE_RULES: tuple[str, ...] = ("smoking", "parties", "children under 10", "visitors", "pets")
ROOM_TYPES: tuple[str, ...] = ("shared room", "not shared room", "private room", "entire room")
CUISINES: tuple[str, ...] = ("Chinese", "American", "Italian", "Mexican", "Indian", "Mediterranean", "French")
TRANSPORT_BANS: tuple[str, ...] = ("no flight", "no self-driving")


class SpecError(ProofplanError, ValueError):
    """Bad travel-planner input: a request that cannot become a valid TripSpec (missing field, bad
    value, unknown city), or a database table that cannot be read."""


# The benchmark's name for each TripSpec field (the benchmark row's keys).
BENCHMARK_NAMES: dict[str, str] = {"origin": "org", "destination": "dest", "dates": "date",
                                   "people": "people_number", "local": "local_constraint"}
BENCHMARK_REQUIRED: tuple[str, ...] = ("org", "dest", "days", "visiting_city_number", "date",
                                       "people_number", "budget")


def describe_validation_error(exc: ValidationError, names: Mapping[str, str] | None = None,
                              limit: int = 3) -> str:
    """A one-line summary of the first `limit` errors: `field.path: reason; ...`.

    `names` renames the first element of each error location (e.g. TripSpec -> benchmark names)."""
    parts = []
    for e in exc.errors()[:limit]:
        loc = [str(x) for x in e.get("loc", ())]
        if loc and names:
            loc[0] = names.get(loc[0], loc[0])
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return " ".join("; ".join(parts).split())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole_number(row: Mapping, key: str) -> int:
    """The benchmark field `key` as an int; integral floats and digit strings are accepted."""
    value = row[key]
    if isinstance(value, bool):
        raise SpecError(f"benchmark field {key!r} must be a whole number (got {_short(value)})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:  # not digits, or more digits than int() accepts
            pass
    raise SpecError(f"benchmark field {key!r} must be a whole number (got {_short(value)})")


class LocalConstraints(BaseModel):
    """The benchmark's four local constraints; None means 'no preference'."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    house_rule: HouseRule | None = Field(default=None, alias="house rule")
    cuisine: list[Cuisine] | None = None
    room_type: RoomType | None = Field(default=None, alias="room type")
    transportation: TransportBan | None = None

    @field_validator("cuisine")
    @classmethod
    def _dedupe(cls, v: list[str] | None) -> list[str] | None:
        if not v:
            return None
        return list(dict.fromkeys(v))

    def as_benchmark(self) -> dict:
        """The benchmark's `local_constraint` dict (keys with spaces)."""
        return {
            "house rule": self.house_rule,
            "cuisine": list(self.cuisine) if self.cuisine else None,
            "room type": self.room_type,
            "transportation": self.transportation,
        }


class ExtraConstraint(BaseModel):
    """One constraint of the wider vocabulary (planner/travel/extra/): a type name and its value."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="constraint type, e.g. nonstop_only, must_visit, min_restaurant_rating")
    value: Any = Field(default=True, description="the constraint's value (type-specific)")

    @model_validator(mode="after")
    def _known(self) -> ExtraConstraint:
        from planner.travel.extra import registry

        kind = registry.find(self.type)
        if kind is None:
            raise ValueError(f"unknown constraint type {self.type!r} (known: {', '.join(registry.names())})")
        try:
            self.value = kind.validate_value(self.value)
        except TypeError as exc:  # e.g. a number where a list is expected; pydantic only reports ValueError
            raise ValueError(f"{self.type}: value {_short(self.value)} has the wrong shape ({exc})") from None
        return self


class TripSpec(BaseModel):
    """A travel request: where, when, who, how much, and local constraints."""

    model_config = ConfigDict(extra="forbid")

    origin: str = Field(description="departure city (a city of the database)")
    destination: str = Field(description="destination city, or a state when visiting several cities")
    days: int = Field(description="trip length in days (3, 5 or 7 in the benchmark)")
    visiting_city_number: int = Field(description="number of distinct cities visited at the destination")
    dates: list[str] = Field(description="one ISO date (YYYY-MM-DD) per day, consecutive")
    people: int = Field(default=1, description="number of travellers")
    budget: int = Field(description="total budget in US dollars")
    local: LocalConstraints = Field(default_factory=LocalConstraints)
    extra: list[ExtraConstraint] = Field(default_factory=list, description="constraints beyond the benchmark's")

    @field_validator("dates")
    @classmethod
    def _iso_dates(cls, v: list[str]) -> list[str]:
        out = []
        for s in v:
            try:
                out.append(dt.date.fromisoformat(s).isoformat())
            except ValueError:
                raise ValueError(f"date {s!r} is not a valid ISO date") from None
        return out

    @model_validator(mode="after")
    def _consistent(self) -> TripSpec:
        if self.days < 1:
            raise ValueError(f"days must be at least 1 (got {self.days})")
        if self.days > 30:
            raise ValueError(f"days must be at most 30 (got {self.days})")
        if self.people < 1:
            raise ValueError(f"people must be at least 1 (got {self.people})")
        if self.budget <= 0:
            raise ValueError(f"budget must be positive (got {self.budget})")
        if self.visiting_city_number < 1:
            raise ValueError(f"visiting_city_number must be at least 1 (got {self.visiting_city_number})")
        types = [c.type for c in self.extra]
        if len(types) != len(set(types)):
            raise ValueError("each extra constraint type may appear once")
        if len(self.dates) != self.days:
            raise ValueError(f"{len(self.dates)} dates given for a {self.days}-day trip")
        parsed = [dt.date.fromisoformat(s) for s in self.dates]
        for a, b in zip(parsed, parsed[1:], strict=False):
            if (b - a).days != 1:
                raise ValueError(f"dates must be consecutive days ({a} then {b})")
        return self

    @classmethod
    def from_benchmark(cls, row: Mapping) -> TripSpec:
        """Build from the benchmark's structured fields (org, dest, days, ... local_constraint).

        Raises SpecError naming the field when one is missing, not a whole number, or invalid."""
        if not isinstance(row, Mapping):
            raise SpecError(f"a benchmark row must be a mapping (got {type(row).__name__})")
        missing = [k for k in BENCHMARK_REQUIRED if k not in row]
        if missing:
            raise SpecError(f"benchmark row is missing field(s): {', '.join(missing)}")
        dates = row["date"]
        if not isinstance(dates, list | tuple):
            raise SpecError(f"benchmark field 'date' must be a list of ISO dates (got {_short(dates)})")
        fields = {
            "origin": row["org"],
            "destination": row["dest"],
            "days": _whole_number(row, "days"),
            "visiting_city_number": _whole_number(row, "visiting_city_number"),
            "dates": list(dates),
            "people": _whole_number(row, "people_number"),
            "budget": _whole_number(row, "budget"),
            "local": row.get("local_constraint") or {},
        }
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise SpecError(f"invalid benchmark row: {describe_validation_error(exc, BENCHMARK_NAMES)}") from None

    def as_benchmark(self) -> dict:
        """The benchmark's structured fields (what its evaluator calls the question)."""
        return {
            "org": self.origin,
            "dest": self.destination,
            "days": self.days,
            "visiting_city_number": self.visiting_city_number,
            "date": list(self.dates),
            "people_number": self.people,
            "budget": self.budget,
            "local_constraint": self.local.as_benchmark(),
        }


def dates_from(start: dt.date, days: int) -> list[str]:
    """`days` consecutive ISO dates starting at `start`."""
    return [(start + dt.timedelta(days=i)).isoformat() for i in range(days)]
