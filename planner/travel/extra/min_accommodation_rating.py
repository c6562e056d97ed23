"""A minimum review rating for every accommodation."""

from __future__ import annotations

import re

from planner.travel.extra._common import validate_rating
from planner.travel.extra.base import ConstraintType


class MinAccommodationRating(ConstraintType):
    type = "min_accommodation_rating"
    doc = "minimum accommodation review rating, 1 to 5"

    def validate_value(self, value):
        return validate_rating(value, self.type)

    def parse(self, text):
        m = re.search(r"\b(?:accommodations?|hotels?|lodging|listings?|stays?|rooms?)\b[^.?!]{0,40}?\brat(?:ed|ing|ings)\b"
                      r"[^.?!\d]{0,20}?(\d(?:\.\d)?)", text, re.I)
        return float(m.group(1)) if m else None

    def words(self, value):
        return f"accommodations rated at least {value:g}"

    def keep_accommodation(self, value, a):
        return a.rating >= value

    def encode(self, enc, value):
        return [av != j for av in enc.acc for j, (_, a) in enumerate(enc.acc_list) if a.rating < value]

    def explain(self, value, spec, world, cities):
        ok = [c for c in cities if any(a.rating >= value for a in world.accommodations(c))]
        if not ok:
            return f"no accommodation in {', '.join(cities)} is rated {value:g} or more"
        return f"the accommodations rated {value:g}+ (in {', '.join(ok)}) do not fit the rest of the request"

    def relaxations(self, value):
        return [(f"accept accommodations rated {value - 1:g}+", value - 1) if value >= 1 else ("", None),
                ("drop the accommodation rating", None)]


CONSTRAINT = MinAccommodationRating()
