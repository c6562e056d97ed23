"""Cities the route must include."""

from __future__ import annotations

from planner.travel.extra._common import cities_after, validate_city_list
from planner.travel.extra.base import ConstraintType


class MustVisit(ConstraintType):
    type = "must_visit"
    doc = "list of cities the route must include"

    def validate_value(self, value):
        return validate_city_list(value)

    def parse(self, text):
        from planner.travel.database import load_background

        found = cities_after(r"\b(?:must|have to|want to|need to|definitely) (?:visit|see|include|stop in)\b|"
                             r"\bincluding\b|\bmust include\b", text, set(load_background().city_state))
        return found or None

    def words(self, value):
        return "visit " + ", ".join(value)

    def route_ok(self, value, route):
        return all(c in route for c in value)

    def encode(self, enc, value):
        import z3

        out = []
        for c in value:
            if c not in enc.city_names[:-1]:
                out.append(z3.BoolVal(False))
            else:
                i = enc.city_names.index(c)
                out.append(z3.Or(*[v == i for v in enc.city]))
        return out

    def explain(self, value, spec, world, cities):
        outside = [c for c in value if c not in cities]
        if outside:
            return f"{', '.join(outside)} {'is' if len(outside) == 1 else 'are'} not among the cities of " \
                   f"{spec.destination} available to the planner ({', '.join(cities)})"
        return f"no plan through {', '.join(value)} meets the rest of the request"

    def relaxations(self, value):
        return [(f"do not require {c}", [x for x in value if x != c] or None) for c in value]

    def conflict(self, value, spec):
        avoid = next((c.value for c in spec.extra if c.type == "must_avoid"), [])
        both = [c for c in value if c in avoid]
        if both:
            return f"{', '.join(both)} is both required and excluded"
        if len(value) > spec.visiting_city_number:
            return f"{len(value)} cities must be visited but the trip visits {spec.visiting_city_number}"
        return None


CONSTRAINT = MustVisit()
