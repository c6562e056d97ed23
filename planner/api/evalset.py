"""Generator of the API-planning evaluation set: natural-language requests with gold plans.

For each catalog it derives, for goal sets, the calls that produce the goals (a simple greedy
backward chaining, written independently of the clingo encoding), renders a request text from
varied sentence frames, the catalog's goal phrases and cue phrases, and drops some inputs for the
incomplete cases (their gold answer is a ``get_info`` for each dropped input). Seeded, so the set
is reproducible: ``python -m planner.api.evalset`` rewrites ``data/api/evalset.jsonl``.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from common.paths import data_dir
from planner.api.catalog import Catalog, TypeSpec, available_catalogs, load_catalog
from planner.api.request import ProvidedValue

Completeness = Literal["complete", "incomplete"]
GoalCount = Literal["single", "multi"]
Flow = Literal["dataflow", "no_dataflow"]


class GoldPlan(BaseModel):
    """Gold calls with their partial order (pairs ``before -> after``) and the missing inputs."""

    calls: list[str]
    order: list[tuple[str, str]]
    missing: list[str]
    unreachable: list[str] = Field(default_factory=list)


class EvalCase(BaseModel):
    id: str
    catalog: str
    text: str
    category: str
    completeness: Completeness
    goal_count: GoalCount
    flow: Flow
    goals: list[str]
    provided: list[ProvidedValue]
    gold: GoldPlan


def default_path() -> Path:
    return data_dir() / "api" / "evalset.jsonl"


def load_evalset(path: Path | None = None) -> list[EvalCase]:
    path = path or default_path()
    return [EvalCase.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]


# ----------------------------------------------------------------------------------------------
# Gold derivation


class Derivation(BaseModel):
    calls: list[str] = Field(default_factory=list)
    order: list[tuple[str, str]] = Field(default_factory=list)
    leaves: list[str] = Field(default_factory=list)
    shortcuts: list[str] = Field(default_factory=list)
    ok: bool = True


def derive(catalog: Catalog, goals: list[str], provided: set[str]) -> Derivation:
    """Greedy backward chaining: the producer whose output is exactly the type, else a subtype."""
    d = Derivation()

    def have(t: str) -> bool:
        return any(catalog.satisfies(p, t) for p in provided)

    def obtain(t: str, stack: tuple[str, ...]) -> str | None:
        """Return the call that yields ``t`` ('' for the user / a question), None if impossible."""
        if have(t):
            return ""
        spec = catalog.type_by_name[t]
        producers = catalog.producers(t)
        if not producers:
            if spec.askable:
                if t not in d.leaves:
                    d.leaves.append(t)
                return ""
            d.ok = False
            return None
        if spec.value != "none" and t not in d.shortcuts:
            d.shortcuts.append(t)  # produced, yet a user could also state it (e.g. an e-mail)
        exact = [a for a in producers if t in a.outputs.values()]
        api = (exact or producers)[0]
        return call(api.name, stack)

    def call(name: str, stack: tuple[str, ...]) -> str | None:
        if name in d.calls:
            return name
        if name in stack:
            d.ok = False
            return None
        api = catalog.api_by_name[name]
        for req in api.requires:
            if call(req, stack + (name,)) is None:
                return None
            d.order.append((req, name))
        for t in api.inputs.values():
            src = obtain(t, stack + (name,))
            if src is None:
                return None
            if src:
                d.order.append((src, name))
        d.calls.append(name)
        return name

    for g in goals:
        obtain(g, ())
    d.order = sorted(set(d.order))
    return d


# ----------------------------------------------------------------------------------------------
# Rendering

FRAMES_SINGLE = [
    "Please {g}{v}.", "Can you {g}{v}?", "I need to {g}{v}.", "Could you {g} for me{v}?", "Help me {g}{v}.",
    "I'd like to {g}{v}.", "{G}{v}, please.", "Hi! I want to {g}{v}.", "Would you {g}{v}?", "Go ahead and {g}{v}.",
]
FRAMES_MULTI = [
    "Please {g1}{v1} and {g2}{v2}.", "Can you {g1}{v1}, then {g2}{v2}?", "I need to {g1}{v1}. Also {g2}{v2}.",
    "First {g1}{v1}; after that {g2}{v2}.", "{G1}{v1} and then {g2}{v2}, thanks.", "Could you {g1}{v1} and also {g2}{v2}?",
]
OPENERS = ["", "", "", "Hello. ", "Quick request: ", "Hey, ", "Thanks in advance! ", "This is urgent. "]
CLOSERS = ["", "", "", " Thanks!", " Appreciate it.", " Let me know if anything is unclear."]
TEXT_POOLS = {
    "meeting_title": ["Budget review", "Q3 planning", "Design sync", "Hiring debrief", "Roadmap check-in", "Launch retro"],
    "email_subject": ["Project update", "Invoice question", "Next steps", "Offsite logistics", "Contract draft"],
    "email_body": ["Running ten minutes late", "Please review the attached plan", "Thanks for your help today",
                   "I am out of office this week", "Can we move our call"],
    "search_query": ["quarterly report", "vendor contract", "travel reimbursement", "onboarding checklist"],
    "task_title": ["Submit expense report", "Prepare slides", "Call the landlord", "Renew parking permit"],
    "document_name": ["Q3 forecast", "Team handbook", "Launch checklist", "Board deck"],
    "gift_message": ["Happy birthday", "Congratulations on the new job", "Enjoy your holiday", "With love"],
}
INT_RANGES = {"duration_minutes": [15, 30, 45, 60, 90], "reminder_minutes": [5, 10, 15, 30], "quantity": [1, 2, 3, 4, 5]}
WORD_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]


class Renderer:
    def __init__(self, catalog: Catalog, rng: random.Random) -> None:
        self.catalog, self.rng = catalog, rng

    def value_class(self, t: TypeSpec) -> str:
        for name in self.catalog.ancestors(t.name):
            if self.catalog.type_by_name[name].value != "none":
                return self.catalog.type_by_name[name].value
        return "none"

    def sample_value(self, t: TypeSpec) -> tuple[str, str]:
        """(text as written in the request, normalised value)."""
        rng, cls = self.rng, self.value_class(t)
        pool = [v for n in self.catalog.ancestors(t.name) for v in self.catalog.type_by_name[n].values]
        if cls == "date":
            month, day = rng.randint(3, 10), rng.randint(1, 28)
            iso = f"2025-{month:02d}-{day:02d}"
            suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
            forms = [iso, f"{MONTH_NAMES[month - 1]} {day}", f"{MONTH_NAMES[month - 1]} {day}{suffix}",
                     f"{day} {MONTH_NAMES[month - 1]}", f"{MONTH_NAMES[month - 1][:3]} {day}, 2025"]
            return rng.choice(forms), iso
        if cls == "time":
            hour, minute = rng.randint(8, 20), rng.choice([0, 15, 30, 45])
            half = "am" if hour < 12 else "pm"
            h12 = hour if hour <= 12 else hour - 12
            forms = [f"{hour:02d}:{minute:02d}", f"{h12}:{minute:02d} {half}"] + ([f"{h12} {half}"] if minute == 0 else [])
            return rng.choice(forms), f"{hour:02d}:{minute:02d}"
        if cls == "integer":
            n = rng.choice(INT_RANGES.get(t.name, [1, 2, 3, 4, 5, 6]))
            return (WORD_NUMBERS[n] if n in WORD_NUMBERS and rng.random() < 0.3 else str(n)), str(n)
        if cls == "money":
            n = rng.randrange(20, 900, 5)
            return f"${n}", f"${n}"
        if cls == "email":
            user = rng.choice(["ana.silva", "j.berg", "maya.p", "team-lead", "o.brown", "k.tanaka", "ops"])
            mail = f"{user}@{rng.choice(['example.com', 'mail.org', 'corp.net'])}"
            return mail, mail
        if cls == "text":
            v = rng.choice(TEXT_POOLS.get(t.name, ["Notes"]))
            return f'"{v}"', v
        v = rng.choice(pool)
        return v, v

    def phrase(self, t: TypeSpec, written: str, others: list[TypeSpec]) -> str:
        """The value with a cue phrase that no other same-class type of the request shares."""
        cls = self.value_class(t)
        rivals = [o for o in others if o.name != t.name and self.value_class(o) == cls]
        rival_cues = {c.lower() for o in rivals for c in o.cues}

        def clash(cue: str) -> bool:
            return any(cue == rc or cue.endswith(" " + rc) or rc.endswith(" " + cue) for rc in rival_cues)

        after_ok = [c for c in t.cues_after if not any(c.split()[0] == r.split()[0] for o in rivals for r in o.cues_after)]
        if after_ok and self.rng.random() < 0.5:
            return f"{written} {self.rng.choice(after_ok)}"
        cues = [c for c in t.cues if not clash(c.lower())]
        if not cues:
            cues = sorted(t.cues, key=len)[-1:]
        return f"{self.rng.choice(cues)} {written}"


def _goal_phrase(rng: random.Random, catalog: Catalog, goal: str) -> str:
    return rng.choice(catalog.type_by_name[goal].goal_phrases)


def build_case(catalog: Catalog, rng: random.Random, goals: list[str], completeness: Completeness,
               case_id: str, unreachable: list[str] | None = None) -> EvalCase | None:
    unreachable = unreachable or []
    reach_goals = [g for g in goals if g not in unreachable]
    full = derive(catalog, reach_goals, set())
    if not full.ok:
        return None
    # Sometimes the user states a value that an API could also produce (an e-mail address).
    shortcuts = [t for t in full.shortcuts if rng.random() < 0.3]
    d = derive(catalog, reach_goals, set(shortcuts))
    leaves = list(d.leaves) + shortcuts
    if completeness == "incomplete":
        droppable = [t for t in d.leaves]
        if len(droppable) < 2:
            return None
        k = 1 if len(goals) == 1 or len(droppable) < 4 else rng.choice([1, 2])
        missing = sorted(rng.sample(droppable, k))
        kept = [t for t in leaves if t not in missing]
        if any(catalog.satisfies(g, m) for g in kept for m in missing):
            return None  # a stated subtype value (a destination city) already fills the dropped type
    else:
        missing = []
    given = [t for t in leaves if t not in missing]
    renderer = Renderer(catalog, rng)
    given_specs = [catalog.type_by_name[t] for t in given]
    provided: list[ProvidedValue] = []
    # Each value is written next to the first goal that needs it.
    owner = {}
    for i, g in enumerate(goals):
        for t in derive(catalog, [g], set(shortcuts)).leaves + shortcuts:
            owner.setdefault(t, i)
    groups: list[list[str]] = [[] for _ in goals]
    for spec in given_specs:
        written, norm = renderer.sample_value(spec)
        provided.append(ProvidedValue(type=spec.name, value=norm))
        groups[owner.get(spec.name, 0)].append(renderer.phrase(spec, written, given_specs))
    sep = rng.choice([" ", ", "])

    def joined(phrases: list[str]) -> str:
        rng.shuffle(phrases)
        return (" " + sep.join(phrases)) if phrases else ""

    opener, closer = rng.choice(OPENERS), rng.choice(CLOSERS)
    gp = [_goal_phrase(rng, catalog, g) for g in goals]
    if len(goals) == 1:
        frame = rng.choice(FRAMES_SINGLE)
        text = frame.format(g=gp[0], G=gp[0][0].upper() + gp[0][1:], v=joined(groups[0]))
    else:
        frame = rng.choice(FRAMES_MULTI)
        rest = " and ".join(p + joined(grp) for p, grp in zip(gp[1:], groups[1:], strict=True))
        text = frame.format(g1=gp[0], G1=gp[0][0].upper() + gp[0][1:], g2=rest, v1=joined(groups[0]), v2="")
    if opener.endswith(", "):
        text = text[0].lower() + text[1:]
    text = opener + text + closer
    has_flow = any(a in d.calls and b in d.calls and a in _producers_of_inputs(catalog, b) for a, b in d.order)
    flow: Flow = "dataflow" if has_flow else "no_dataflow"
    goal_count: GoalCount = "single" if len(goals) == 1 else "multi"
    category = "unreachable" if unreachable else f"{completeness}/{goal_count}/{flow}"
    order = list(d.order) + [(f"get_info:{t}", c) for t in missing for c in d.calls if t in catalog.api_by_name[c].inputs.values()]
    return EvalCase(
        id=case_id, catalog=catalog.name, text=text, category=category, completeness=completeness,
        goal_count=goal_count, flow=flow, goals=goals, provided=provided,
        gold=GoldPlan(calls=d.calls, order=sorted(set(order)), missing=missing, unreachable=sorted(unreachable)),
    )


def _producers_of_inputs(catalog: Catalog, api_name: str) -> set[str]:
    api = catalog.api_by_name[api_name]
    return {p.name for t in api.inputs.values() for p in catalog.producers(t)}


def generate(per_category: int = 40, unreachable_per_catalog: int = 8, seed: int = 7) -> list[EvalCase]:
    """The balanced set: ``per_category`` cases for each of the 8 categories, spread over catalogs."""
    rng = random.Random(seed)
    catalogs = [load_catalog(n) for n in available_catalogs()]
    cases: list[EvalCase] = []
    for cat_idx, (completeness, goal_count, flow) in enumerate(
        itertools.product(["complete", "incomplete"], ["single", "multi"], ["dataflow", "no_dataflow"])
    ):
        made = 0
        attempts = 0
        while made < per_category and attempts < 20000:
            attempts += 1
            catalog = catalogs[(made + cat_idx) % len(catalogs)]
            goal_types = [t.name for t in catalog.types if t.goal_phrases and catalog.producers(t.name)]
            n = 1 if goal_count == "single" else rng.choice([2, 2, 2, 3])
            goals = rng.sample(goal_types, n)
            case = build_case(catalog, rng, goals, completeness, f"{completeness[0]}{goal_count[0]}{flow[0]}-{made:03d}")
            if case is None or case.flow != flow or not derive(catalog, goals, set()).ok:
                continue
            if any(c.text == case.text for c in cases):
                continue
            if _goals_conflict(catalog, goals):
                continue
            cases.append(case)
            made += 1
    for catalog in catalogs:
        bad_goals = [t.name for t in catalog.types if t.goal_phrases and not derive(catalog, [t.name], set()).ok]
        good_goals = [t.name for t in catalog.types if t.goal_phrases and derive(catalog, [t.name], set()).ok]
        made = 0
        while made < unreachable_per_catalog:
            bad = rng.choice(bad_goals)
            goals = [bad] if made % 2 == 0 else rng.sample([bad, rng.choice(good_goals)], 2)
            case = build_case(catalog, rng, goals, "complete", f"unreachable-{catalog.name}-{made:02d}", unreachable=[bad])
            if case is None:
                continue
            cases.append(case)
            made += 1
    return cases


def _goals_conflict(catalog: Catalog, goals: list[str]) -> bool:
    """Two goals whose phrases contain one another would read as one goal."""
    phrases = [p.lower() for g in goals for p in catalog.type_by_name[g].goal_phrases]
    return len(goals) != len(set(goals)) or any(a != b and a in b for a, b in itertools.permutations(phrases, 2))


def write_evalset(path: Path | None = None, **kwargs: int) -> list[EvalCase]:
    cases = generate(**kwargs)
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(c.model_dump_json() + "\n" for c in cases))
    return cases


def load_handwritten(path: Path | None = None) -> list[EvalCase]:
    """Hand-written requests (``data/api/handwritten.yaml``); gold calls come from :func:`derive`."""
    import yaml

    path = path or data_dir() / "api" / "handwritten.yaml"
    cases: list[EvalCase] = []
    catalogs: dict[str, Catalog] = {}
    for i, raw in enumerate(yaml.safe_load(path.read_text())):
        catalog = catalogs.setdefault(raw["catalog"], load_catalog(raw["catalog"]))
        unreachable = raw.get("unreachable", [])
        provided = [ProvidedValue(type=t, value=str(v)) for t, v in raw["provided"].items()]
        goals = [g for g in raw["goals"] if g not in unreachable]
        d = derive(catalog, goals, {v.type for v in provided})
        missing = sorted(raw["missing"])
        order = list(d.order) + [(f"get_info:{t}", c) for t in missing for c in d.calls
                                 if t in catalog.api_by_name[c].inputs.values()]
        flow: Flow = "dataflow" if any(a in _producers_of_inputs(catalog, b) for a, b in d.order) else "no_dataflow"
        completeness: Completeness = "incomplete" if missing else "complete"
        goal_count: GoalCount = "single" if len(raw["goals"]) == 1 else "multi"
        cases.append(EvalCase(
            id=f"{path.stem}-{i:02d}", catalog=catalog.name, text=raw["text"],
            category="unreachable" if unreachable else f"{completeness}/{goal_count}/{flow}",
            completeness=completeness, goal_count=goal_count, flow=flow, goals=raw["goals"], provided=provided,
            gold=GoldPlan(calls=d.calls, order=sorted(set(order)), missing=missing, unreachable=sorted(unreachable)),
        ))
    return cases


if __name__ == "__main__":
    written = write_evalset()
    print(f"wrote {len(written)} cases to {default_path()}")
    print(Counter(c.category for c in written))
