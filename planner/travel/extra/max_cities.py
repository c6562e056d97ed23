"""A cap on the number of cities visited."""

from __future__ import annotations

import re

from planner.travel.extra.base import ConstraintType

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


class MaxCities(ConstraintType):
    type = "max_cities"
    doc = "the most cities to visit (integer)"

    def validate_value(self, value):
        if not isinstance(value, int) or value < 1:
            raise ValueError("max_cities takes a positive integer")
        return value

    def parse(self, text):
        m = re.search(r"\b(?:at most|no more than|max(?:imum)?(?: of)?|up to|not more than)\s+(\d+|one|two|three|four|five)"
                      r"\s+(?:different |distinct )?cities\b", text, re.I)
        if not m:
            return None
        tok = m.group(1).lower()
        return int(tok) if tok.isdigit() else WORDS[tok]

    def words(self, value):
        return f"at most {value} cities"

    def encode(self, enc, value):
        import z3

        return [z3.BoolVal(enc.spec.visiting_city_number <= value)]

    def explain(self, value, spec, world, cities):
        return f"the trip visits {spec.visiting_city_number} cities, more than the cap of {value}"

    def conflict(self, value, spec):
        if spec.visiting_city_number > value:
            return f"{spec.visiting_city_number} cities requested but at most {value} allowed"
        return None


CONSTRAINT = MaxCities()
