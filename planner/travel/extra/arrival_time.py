"""Latest arrival time of every leg."""

from __future__ import annotations

from planner.travel.extra._common import clock_text, find_clock, validate_clock
from planner.travel.extra.base import ConstraintType


class LatestArrival(ConstraintType):
    type = "latest_arrival"
    doc = 'latest arrival time of every leg, "HH:MM"'

    def validate_value(self, value):
        return validate_clock(value)

    def parse(self, text):
        return find_clock(r"\b(?:arriv(?:e|ing|al)|land(?:ing)?|get(?:ting)? (?:there|in))\s+"
                          r"(?:no later than|not after|before|by)", text)

    def words(self, value):
        return f"arrivals by {clock_text(value)}"

    def encode(self, enc, value):
        return [a <= value for a in enc.arr]

    def explain(self, value, spec, world, cities):
        return f"no way to travel that arrives by {clock_text(value)} on the travel days"

    def relaxations(self, value):
        later = min(24 * 60 - 1, value + 120)
        return [(f"allow arrivals until {clock_text(later)}", later), ("drop the arrival time", None)]

    def conflict(self, value, spec):
        dep = next((c.value for c in spec.extra if c.type == "earliest_departure"), None)
        if dep is not None and dep >= value:
            return (f"departing at or after {clock_text(dep)} and arriving by {clock_text(value)} "
                    "on the same day is impossible")
        return None


CONSTRAINT = LatestArrival()
