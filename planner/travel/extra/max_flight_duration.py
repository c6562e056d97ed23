"""A cap on each flight's duration (the table's elapsed time)."""

from __future__ import annotations

import re

from planner.travel.extra.base import ConstraintType


class MaxFlightDuration(ConstraintType):
    type = "max_flight_duration"
    doc = "maximum minutes in the air per flight (integer)"

    def validate_value(self, value):
        if not isinstance(value, (int, float)) or value <= 0:
            raise ValueError("max_flight_duration takes a positive number of minutes")
        return int(value)

    def parse(self, text):
        m = re.search(r"\b(?:flights?|flying|in the air)\b[^.?!]{0,40}?\b(?:no longer than|at most|under|less than|"
                      r"max(?:imum)?(?: of)?|shorter than|up to)\s+(\d+(?:\.\d+)?)\s*(hours?|hrs?|h|minutes?|mins?)\b",
                      text, re.I)
        if not m:
            return None
        n = float(m.group(1))
        return int(n * 60) if m.group(2).lower().startswith("h") else int(n)

    def words(self, value):
        return f"flights of at most {value // 60} h {value % 60:02d} min"

    def encode(self, enc, value):
        import z3

        too_long = [o for leg in enc.leg_options for o, mode, f in leg if mode == 0 and f.duration_minutes > value]
        return [z3.And(*[z3.Not(o) for o in too_long])] if too_long else []

    def explain(self, value, spec, world, cities):
        return f"every usable flight takes longer than {self.words(value).removeprefix('flights of at most ')}"

    def relaxations(self, value):
        return [(f"allow flights up to {(value + 60) // 60} h", value + 60), ("drop the flight duration cap", None)]


CONSTRAINT = MaxFlightDuration()
