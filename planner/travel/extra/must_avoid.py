"""Cities the route must not include."""

from __future__ import annotations

from planner.travel.extra._common import cities_after, validate_city_list
from planner.travel.extra.base import ConstraintType


class MustAvoid(ConstraintType):
    type = "must_avoid"
    doc = "list of cities the route must not include"

    def validate_value(self, value):
        return validate_city_list(value)

    def parse(self, text):
        from planner.travel.database import load_background

        found = cities_after(r"\b(?:avoid|skip|not (?:visit|go to|include)|except|other than|excluding)\b", text,
                             set(load_background().city_state))
        return found or None

    def words(self, value):
        return "avoid " + ", ".join(value)

    def route_ok(self, value, route):
        return not any(c in route for c in value)

    def encode(self, enc, value):
        out = []
        for c in value:
            if c in enc.city_names[:-1]:
                i = enc.city_names.index(c)
                out += [v != i for v in enc.city]
        return out

    def explain(self, value, spec, world, cities):
        return f"without {', '.join(value)} too few cities of {spec.destination} remain"

    def relaxations(self, value):
        return [(f"allow {c}", [x for x in value if x != c] or None) for c in value]


CONSTRAINT = MustAvoid()
