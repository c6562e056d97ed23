"""Earliest departure time of every leg."""

from __future__ import annotations

from planner.travel.extra._common import clock_text, find_clock, validate_clock
from planner.travel.extra.base import ConstraintType


class EarliestDeparture(ConstraintType):
    type = "earliest_departure"
    doc = 'earliest departure time of every leg, "HH:MM"'

    def validate_value(self, value):
        return validate_clock(value)

    def parse(self, text):
        return find_clock(r"\b(?:depart(?:ing|ure)?|leav(?:e|ing)|fly(?:ing)? out|set(?:ting)? off)\s+"
                          r"(?:no earlier than|not before|after|from)", text)

    def words(self, value):
        return f"departures at or after {clock_text(value)}"

    def encode(self, enc, value):
        return [d >= value for d in enc.dep]

    def explain(self, value, spec, world, cities):
        return f"no way to travel that leaves at or after {clock_text(value)} on the travel days"

    def relaxations(self, value):
        return [(f"allow departures from {clock_text(max(0, value - 120))}", max(0, value - 120)),
                ("drop the departure time", None)]


CONSTRAINT = EarliestDeparture()
