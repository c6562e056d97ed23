"""Non-stop flights only (every flight in the database is a single non-stop leg)."""

from __future__ import annotations

import re

from planner.travel.extra.base import ConstraintType


class NonstopOnly(ConstraintType):
    type = "nonstop_only"
    doc = "true when only non-stop (direct) flights are acceptable"

    def validate_value(self, value):
        if value is not True:
            raise ValueError("nonstop_only takes the value true")
        return True

    def parse(self, text):
        return True if re.search(r"\bnon[\s-]?stop\b|\bdirect flights?\b|\bno (?:layovers?|connections?)\b",
                                 text, re.I) else None

    def words(self, value):
        return "non-stop flights only"

    def encode(self, enc, value):
        return []  # each flight row is one non-stop leg, so every flight option qualifies

    def conflict(self, value, spec):
        if spec.local.transportation == "no flight":
            return "'no flights' and 'non-stop flights only' contradict each other"
        return None


CONSTRAINT = NonstopOnly()
