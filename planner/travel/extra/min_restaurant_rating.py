"""A minimum aggregate rating for every restaurant."""

from __future__ import annotations

import re

from planner.travel.extra._common import validate_rating
from planner.travel.extra.base import ConstraintType


class MinRestaurantRating(ConstraintType):
    type = "min_restaurant_rating"
    doc = "minimum restaurant rating, 0 to 5"

    def validate_value(self, value):
        return validate_rating(value, self.type)

    def parse(self, text):
        m = re.search(r"\brestaurants?\b[^.?!]{0,40}?\brat(?:ed|ing|ings)\b[^.?!\d]{0,20}?(\d(?:\.\d)?)"
                      r"|\brat(?:ed|ing)\b[^.?!\d]{0,20}?(\d(?:\.\d)?)[^.?!]{0,30}\brestaurants?\b", text, re.I)
        return float(m.group(1) or m.group(2)) if m else None

    def words(self, value):
        return f"restaurants rated at least {value:g}"

    def keep_restaurant(self, value, r):
        return r.rating >= value

    def encode(self, enc, value):
        import z3

        low = [u for i, cd in enumerate(enc.data) for u, r in zip(enc.use[i], cd.restaurants, strict=True) if r.rating < value]
        return [z3.And(*[z3.Not(u) for u in low])] if low else []

    def explain(self, value, spec, world, cities):
        counts = {c: sum(1 for r in world.restaurants(c) if r.rating >= value) for c in cities}
        return "too few restaurants rated at least " + f"{value:g}: " + ", ".join(f"{c} has {n}" for c, n in counts.items())

    def relaxations(self, value):
        return [(f"accept restaurants rated {value - 0.5:g}+", value - 0.5) if value >= 0.5 else ("", None),
                ("drop the restaurant rating", None)]


CONSTRAINT = MinRestaurantRating()
