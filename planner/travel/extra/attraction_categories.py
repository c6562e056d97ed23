"""Required attraction categories, read from attraction names (the table has no category column)."""

from __future__ import annotations

import re

from planner.travel.extra.base import ConstraintType

CATEGORIES = {
    "museum": r"\bmuseum\b",
    "park": r"\bpark\b",
    "zoo": r"\bzoo\b",
    "aquarium": r"\baquarium\b",
    "garden": r"\bgardens?\b|\barboretum\b|\bbotanic",
    "beach": r"\bbeach\b",
    "gallery": r"\bgallery\b|\bart\b",
    "theater": r"\btheat(?:er|re)\b",
    "historic site": r"\bhistoric|\bmonument\b|\bmemorial\b",
}


def category_of(name: str, category: str) -> bool:
    return re.search(CATEGORIES[category], name, re.I) is not None


class AttractionCategories(ConstraintType):
    type = "attraction_categories"
    doc = "list of attraction categories to include: " + ", ".join(CATEGORIES)

    def validate_value(self, value):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise ValueError("attraction_categories takes a list of categories")
        bad = [v for v in value if v not in CATEGORIES]
        if bad:
            raise ValueError(f"unknown attraction categories {bad} (known: {', '.join(CATEGORIES)})")
        return list(dict.fromkeys(value))

    def parse(self, text):
        clauses = " ".join(m.group(0) for m in re.finditer(
            r"\b(?:see|visit|include|love|like|enjoy|interested in|want)\b[^.?!]*", text, re.I))
        if not clauses:
            return None
        found = []
        for cat in CATEGORIES:
            plural = {"museum": "museums?", "park": "parks?", "zoo": "zoos?", "aquarium": "aquariums?",
                      "garden": "gardens?", "beach": "beach(?:es)?", "gallery": "galler(?:y|ies)",
                      "theater": "theat(?:er|re)s?", "historic site": "historic(?:al)? sites?"}[cat]
            if re.search(rf"\b{plural}\b", clauses, re.I):
                found.append(cat)
        return found or None

    def words(self, value):
        return "see " + ", ".join(value)

    def attraction_first(self, value, a):
        return any(category_of(a.name, cat) for cat in value)

    def encode(self, enc, value):
        import z3

        out = []
        where = {}
        for cat in value:
            places = [i for i, cd in enumerate(enc.data) if any(category_of(a.name, cat) for a in cd.attractions)]
            if not places:
                out.append(z3.BoolVal(False))
                continue
            where[cat] = z3.Int(f"category_{cat}")
            out.append(z3.Or(*[where[cat] == i for i in places]))
        # each category takes its own attraction slot in the city chosen for it
        for i in range(len(enc.data)):
            assigned = [z3.If(w == i, 1, 0) for w in where.values()]
            if assigned:
                out.append(enc.att_count[i] >= z3.Sum(*assigned))
        enc.plugin_state[self.type] = where
        return out

    def order_attractions(self, value, enc, model, city, pool):
        where = enc.plugin_state.get(self.type, {})
        front = []
        for cat, var in where.items():
            if model.eval(var, model_completion=True).as_long() == city:
                pick = next((a for a in pool if a not in front and category_of(a.name, cat)), None)
                if pick is not None:
                    front.append(pick)
        return front + [a for a in pool if a not in front]

    def explain(self, value, spec, world, cities):
        missing = [c for c in value if not any(category_of(a.name, c) for x in cities for a in world.attractions(x))]
        if missing:
            return f"no {' or '.join(missing)} among the attractions of {', '.join(cities)}"
        return f"the cities with a {', '.join(value)} do not fit the rest of the request"

    def relaxations(self, value):
        return [(f"do not require a {c}", [x for x in value if x != c] or None) for c in value]


CONSTRAINT = AttractionCategories()
