"""Preferred or excluded airlines: the database's flights carry no airline, so none can be honoured."""

from __future__ import annotations

import re

from planner.travel.extra.base import ConstraintType

AIRLINES = ("Delta", "United", "American Airlines", "Southwest", "JetBlue", "Alaska Airlines", "Spirit",
            "Frontier", "Allegiant", "Hawaiian Airlines", "Sun Country")


class Airlines(ConstraintType):
    type = "airlines"
    doc = 'object {"prefer": [names], "exclude": [names]} of airline names'

    def validate_value(self, value):
        if not isinstance(value, dict) or not (value.get("prefer") or value.get("exclude")):
            raise ValueError('airlines takes {"prefer": [...], "exclude": [...]}')
        return {"prefer": list(value.get("prefer") or []), "exclude": list(value.get("exclude") or [])}

    def parse(self, text):
        names = [a for a in AIRLINES if re.search(rf"\b{re.escape(a)}\b", text)]
        if not names:
            return None
        avoid = re.search(r"(?:\b(?:avoid|not|no|never|exclude)\b|n't\b)[^.?!]{0,30}\b(?:" + "|".join(map(re.escape, names))
                          + r")\b", text, re.I)
        return {"prefer": [] if avoid else names, "exclude": names if avoid else []}

    def words(self, value):
        parts = []
        if value["prefer"]:
            parts.append("fly " + " or ".join(value["prefer"]))
        if value["exclude"]:
            parts.append("avoid " + ", ".join(value["exclude"]))
        return "; ".join(parts)

    def encode(self, enc, value):
        import z3

        # no flight row names its airline: a preference can only be met without flying
        if value["prefer"]:
            return [z3.And(*[z3.Not(o) for leg in enc.leg_options for o, mode, _ in leg if mode == 0])]
        return []

    def explain(self, value, spec, world, cities):
        return "the database does not say which airline operates a flight, so no flight can be shown to match"

    def relaxations(self, value):
        return [("drop the airline preference", None)]


CONSTRAINT = Airlines()
