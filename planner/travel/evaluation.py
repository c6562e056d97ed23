"""Our implementation of the TravelPlanner metrics (data/travelplanner/EVALUATION.md).

A plan is the benchmark's list of day dicts; the question is the benchmark's structured
fields (`TripSpec.as_benchmark()`). Each check computes what the benchmark's own scripts
compute, over the sandbox the benchmark's tools see (database rows with a missing field are
absent; see planner/travel/official.py for the list of rules that differ from a plain reading,
and tests/travel/test_official_semantics.py, which pins them). Names are resolved by substring
on the name plus the exact city, first row wins. `strict=True` adds what the scripts mean but
do not test (city names rather than their letters on one-city days, the last attraction
without ';', the house rule "parties", a transport ban in any capitalisation): a plan that
passes strict checks passes the benchmark's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from planner.travel.database import Accommodation, TravelDatabase, load_database

COMMONSENSE = (
    "is_valid_information_in_current_city",
    "is_valid_information_in_sandbox",
    "is_reasonable_visiting_city",
    "is_valid_restaurants",
    "is_valid_transportation",
    "is_valid_attractions",
    "is_valid_accommodation",
    "is_not_absent",
)
HARD = ("valid_cost", "valid_room_rule", "valid_cuisine", "valid_room_type", "valid_transportation")
PAPER_NAMES = {
    "is_valid_information_in_current_city": "Within Current City",
    "is_valid_information_in_sandbox": "Within Sandbox",
    "is_reasonable_visiting_city": "Reasonable City Route",
    "is_valid_restaurants": "Diverse Restaurants",
    "is_valid_transportation": "Non-conf. Transportation",
    "is_valid_attractions": "Diverse Attractions",
    "is_valid_accommodation": "Minimum Nights Stay",
    "is_not_absent": "Complete Information",
    "valid_cost": "Budget",
    "valid_room_rule": "Room Rule",
    "valid_cuisine": "Cuisine",
    "valid_room_type": "Room Type",
    "valid_transportation": "Transportation",
}
SUMMARY_METRICS = (("Delivery rate", "delivery_rate"), ("Commonsense micro", "commonsense_micro"),
                   ("Commonsense macro", "commonsense_macro"), ("Hard micro", "hard_micro"),
                   ("Hard macro", "hard_macro"), ("Final pass rate", "final_pass_rate"))
FIELDS = ("transportation", "breakfast", "attraction", "lunch", "dinner", "accommodation")
MEALS = ("breakfast", "lunch", "dinner")
ROOM_TYPE_OK = {
    "shared room": lambda t: t == "Shared room",
    "not shared room": lambda t: t != "Shared room",
    "private room": lambda t: t == "Private room",
    "entire room": lambda t: t == "Entire home/apt",
}
# house rules the benchmark's script really checks ("parties" is misspelt there, so never checked)
CHECKED_RULES = ("smoking", "children under 10", "visitors", "pets")
# hard checks counted in the micro rate's denominator, by level (the budget counts for every query)
COUNTED_LOCAL = {"hard": ("house rule", "cuisine", "room type", "transportation"),
                 "medium": ("house rule", "cuisine", "room type")}
NO_MORE_DAYS = "You don't need to fill in the information for this or later days."
MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)

_FROM_TO = re.compile(r"from\s+(.+?)\s+to\s+([^,]+)(?=[,\s]|$)")
_LAST_COMMA = re.compile(r"(.*?),\s*([^,]+)$")


def filled(value: object) -> bool:
    """A field with content: not empty, not '-'."""
    return bool(value) and value != "-"


def strip_parenthesis(text: str) -> str:
    """What precedes the first '(...)': 'San Antonio(Texas)' -> 'San Antonio'."""
    i = text.find("(")
    if i >= 0 and text.find(")", i + 1) >= 0:
        return text[:i]
    return text


def from_to(text: str) -> tuple[str | None, str | None]:
    """('A', 'B') from '... from A to B, ...' (B runs to the next comma), or (None, None)."""
    m = _FROM_TO.search(text)
    return (m.group(1), m.group(2)) if m else (None, None)


def split_name_city(text: str) -> tuple[str, str]:
    """'Name, City' -> (Name, City), split at the last comma; ('-', '-') when there is none."""
    m = _LAST_COMMA.search(text)
    if not m:
        return "-", "-"
    return m.group(1).strip(), strip_parenthesis(m.group(2).strip()).strip()


def is_travel_day(day: dict) -> bool:
    return "from" in day["current_city"]


def day_places(day: dict, strict: bool) -> list[str] | str:
    """The day's cities; on a one-city day the benchmark's script holds the name as a string
    and so tests its letters (strict mode: the name)."""
    cc = day["current_city"]
    if "from" in cc:
        a, b = from_to(cc)
        return [strip_parenthesis(a), strip_parenthesis(b)]
    return [strip_parenthesis(cc)] if strict else strip_parenthesis(cc)


def attraction_items(text: str, strict: bool) -> list[str]:
    """The items of an attraction field: each ends with ';' (strict mode: also a last one without)."""
    items = text.split(";")
    return [x for x in items if x.strip()] if strict else items[:-1]


def flight_number(text: str) -> str:
    return text.split("Flight Number: ")[1].split(",")[0]


def stays(plan: list[dict]) -> list[list]:
    """[accommodation text, consecutive days] runs."""
    runs: list[list] = []
    for day in plan:
        acc = day["accommodation"]
        if runs and runs[-1][0] == acc:
            runs[-1][1] += 1
        else:
            runs.append([acc, 1])
    return runs


@dataclass
class PlanVerdict:
    """Every check's outcome for one plan (None: the check does not apply)."""

    delivered: bool
    commonsense: dict[str, bool]
    hard: dict[str, bool | None]
    messages: dict[str, str] = field(default_factory=dict)
    total_cost: int | None = None

    @property
    def commonsense_pass(self) -> bool:
        return self.delivered and all(self.commonsense.values())

    @property
    def hard_pass(self) -> bool:
        return self.delivered and all(v for v in self.hard.values() if v is not None)

    @property
    def final_pass(self) -> bool:
        return self.commonsense_pass and self.hard_pass

    def failures(self) -> list[str]:
        bad = [k for k, v in self.commonsense.items() if not v]
        bad += [k for k, v in self.hard.items() if v is False]
        return [f"{k}: {self.messages.get(k, 'failed')}" for k in bad]


class PlanEvaluator:
    """Runs the 8 commonsense and 5 hard checks of the benchmark on one plan."""

    def __init__(self, db: TravelDatabase | None = None, strict: bool = False) -> None:
        """`strict=False` computes exactly what the benchmark's scripts compute; `strict=True`
        also tests what they mean but miss (see the module's docstring)."""
        self.db = db or load_database()
        self.strict = strict

    # ---------------- lookups (substring of the name, exact city, first row wins) ----------------
    def _restaurant(self, text: str):
        name, city = split_name_city(text)
        return next((r for r in self.db.restaurants(city) if name in r.name), None)

    def _accommodations(self, text: str) -> list[Accommodation]:
        name, city = split_name_city(text)
        return [a for a in self.db.accommodations(city) if name in a.name]

    def _attraction_exists(self, text: str) -> bool:
        name, city = split_name_city(text)
        return any(name in a.name for a in self.db.attractions(city))

    def _leg_ends(self, day: dict) -> tuple[str | None, str | None]:
        a, b = from_to(day["transportation"])
        if a is None or b is None:
            a, b = from_to(day["current_city"])
        return a, b

    # ---------------- commonsense ----------------
    def within_current_city(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        for i, day in enumerate(plan):
            places = day_places(day, self.strict)
            t = day.get("transportation")
            if filled(t):
                missing = [p for p in places if p not in t]
                if missing:
                    return False, f"day {i + 1} transportation {t!r} does not mention {missing[0]!r}"
            for key in MEALS:
                v = day.get(key)
                if filled(v) and not any(p in v for p in places):
                    return False, f"day {i + 1} {key} {v!r} is not in {places}"
            if filled(day.get("attraction")):
                for item in attraction_items(day["attraction"], self.strict):
                    if not any(p in item for p in places):
                        return False, f"day {i + 1} attraction {item!r} is not in {places}"
            acc = day.get("accommodation")
            if filled(acc) and places[-1] not in acc:
                return False, f"day {i + 1} accommodation {acc!r} is not in {places[-1]!r}"
        return True, ""

    def within_sandbox(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        db = self.db
        for i, day in enumerate(plan):
            t = day["transportation"]
            if filled(t):
                low = t.lower()
                a, b = self._leg_ends(day)
                if "flight number" in low:
                    if a is None or b is None:
                        return False, f"day {i + 1}: cannot read the flight's cities in {t!r}"
                    num = flight_number(t)
                    a, b = strip_parenthesis(a), strip_parenthesis(b)
                    if not any(f.origin == a and f.dest == b for f in db.flights_by_number.get(num, [])):
                        return False, f"day {i + 1}: flight {num} from {a} to {b} is not in the sandbox"
                elif "self-driving" in low or "taxi" in low:
                    a, b = (a, b) if a is not None and b is not None else ("-", "-")
                    if db.drive(strip_parenthesis(a), strip_parenthesis(b)) is None:
                        return False, f"day {i + 1}: no usable driving route from {a} to {b}"
            for meal in MEALS:
                v = day.get(meal)
                if filled(v) and self._restaurant(v) is None:
                    return False, f"day {i + 1}: restaurant {v!r} is not in the sandbox"
            if filled(day.get("attraction")):
                for item in attraction_items(day["attraction"], self.strict):
                    if not self._attraction_exists(item):
                        return False, f"day {i + 1}: attraction {item!r} is not in the sandbox"
            acc = day.get("accommodation")
            if filled(acc) and not self._accommodations(acc):
                return False, f"day {i + 1}: accommodation {acc!r} is not in the sandbox"
        return True, ""

    def _route(self, q: dict, plan: list[dict]) -> tuple[list[str], str]:
        route: list[str] = []
        for i, day in enumerate(plan):
            cc = day["current_city"]
            if is_travel_day(day):
                a, b = from_to(cc)
                a, b = strip_parenthesis(a), strip_parenthesis(b)
                if i == 0 and a != q["org"]:
                    return [], f"the first day should start from {q['org']}"
                route += [a, b]
            else:
                route.append(strip_parenthesis(cc))
        return route, ""

    def reasonable_route(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        route, why = self._route(q, plan)
        if why:
            return False, why
        if route[0] != route[-1]:
            return False, "the trip is not a closed loop"
        if len(route) < 3:
            return False, "the route has fewer than three entries"
        blocks: list[list] = []  # [city, entries in a row]
        for c in route:
            if blocks and blocks[-1][0] == c:
                blocks[-1][1] += 1
            else:
                blocks.append([c, 1])
        pos = 0
        seen: set[str] = set()
        for c, n in blocks:
            inner = 0 < pos < len(route) - 1
            if c in seen and inner:
                return False, f"{c} is visited more than once"
            last = pos + n - 1
            if n == 1 and 0 < last < len(route) - 1:
                return False, f"{c} appears once in the middle of the route"
            seen.add(c)
            pos += n
        states = self.db.background.city_state
        for k, c in enumerate(route):
            if c not in states:
                return False, f"{c} is not a known city"
            if 0 < k < len(route) - 1 and q["days"] > 3 and states[c] != q["dest"]:
                return False, f"{c} is not in {q['dest']}"
        return True, ""

    def diverse_restaurants(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        seen: set[str] = set()
        for day in plan:
            for meal in MEALS:
                v = day.get(meal)
                if filled(v):
                    if v in seen:
                        return False, f"restaurant {v!r} is used twice"
                    seen.add(v)
        return True, ""

    def transportation(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        if not filled(plan[0]["transportation"]):
            return False, "day 1 has no transportation"
        modes = set()
        for day in plan:
            t = day.get("transportation")
            if filled(t):
                low = t.lower()
                # one mode per day, taxi first, as the benchmark reads it
                modes.add(next((m for m in ("taxi", "self-driving", "flight") if m in low), None))
        if {"self-driving", "flight"} <= modes:
            return False, "self-driving and flights are mixed"
        if {"self-driving", "taxi"} <= modes:
            return False, "self-driving and taxis are mixed"
        return True, ""

    def diverse_attractions(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        seen: set[str] = set()
        for day in plan:
            if filled(day.get("attraction")):
                for item in attraction_items(day["attraction"], self.strict):
                    if item in seen:
                        return False, f"attraction {item!r} is repeated"
                    seen.add(item)
        return True, ""

    def minimum_nights(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        for acc, n in stays(plan):
            if acc not in ("-", ""):
                rows = self._accommodations(acc)
                # the benchmark binds the rule only when the name matches exactly one listing
                if len(rows) == 1 and n < rows[0].min_nights:
                    return False, f"{acc!r} booked {n} night(s), needs at least {rows[0].min_nights}"
        return True, ""

    def complete(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        days = q["days"]
        real = sum(1 for day in plan if day != {} and day["current_city"] != NO_MORE_DAYS)
        if real != days:
            return False, f"{real} day entries for a {days}-day trip"
        route, why = self._route(q, plan)
        if why:
            return False, why
        visited = set(route) - {q["org"]}
        if len(visited) != q["visiting_city_number"]:
            return False, f"{len(visited)} cities visited, {q['visiting_city_number']} requested"
        count = 0
        for i, day in enumerate(plan):
            lacking = [k for k in FIELDS if k not in day]
            if lacking:
                return False, f"day {i + 1} lacks {lacking[0]}"
            cc = day["current_city"]
            if ("from " in cc or "to " in cc) and day["transportation"] in ("", "-"):
                return False, f"day {i + 1} is a travel day without transportation"
            if "from " not in cc and " to " not in cc and day["attraction"] in ("", "-"):
                return False, f"day {i + 1} has no attraction"
            if i != days - 1 and day["accommodation"] in ("", "-"):
                return False, f"day {i + 1} has no accommodation"
            if "from " not in cc and any(day[m] in ("", "-") for m in MEALS):
                return False, f"day {i + 1} lacks a meal"
            count += sum(1 for v in day.values() if filled(v))  # every key counts, also days and city
        if count < 0.5 * 6 * days:
            return False, f"only {count} of {6 * days} fields are filled"
        return True, ""

    # ---------------- hard ----------------
    def total_cost(self, q: dict, plan: list[dict]) -> int:
        db = self.db
        people = q["people_number"]
        total = 0
        for day in plan:
            t = day["transportation"]
            if filled(t):
                low = t.lower()
                a, b = self._leg_ends(day)
                if a is not None and b is not None:
                    if "flight number" in low:
                        rows = db.flights_by_number.get(flight_number(t), [])
                        if rows:
                            total += rows[0].price * people  # the number alone finds it
                    elif "self-driving" in low or "taxi" in low:
                        d = db.drive(strip_parenthesis(a), strip_parenthesis(b))
                        if d is None:
                            raise ValueError(f"no driving cost from {a} to {b}")
                        if "self-driving" in low:
                            total += d.self_driving_cost * math.ceil(people / 5)
                        else:
                            total += d.taxi_cost * math.ceil(people / 4)
            for meal in MEALS:
                if filled(day[meal]):
                    r = self._restaurant(day[meal])
                    if r is not None:
                        total += r.cost * people
            if filled(day["accommodation"]):
                rows = self._accommodations(day["accommodation"])
                if rows:
                    total += rows[0].nightly_cost(people)
        return total

    def _first_listings(self, plan: list[dict]):
        for day in plan:
            acc = day["accommodation"]
            if filled(acc):
                rows = self._accommodations(acc)
                if rows:
                    yield acc, rows[0]

    def room_rule(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        rule = q["local_constraint"].get("house rule")
        if rule is None:
            return None, ""
        if rule not in CHECKED_RULES and not self.strict:
            return True, ""
        for text, row in self._first_listings(plan):
            if f"No {rule}" in row.house_rules:
                return False, f"{text!r} says 'No {rule}'"
        return True, ""

    def room_type(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        want = q["local_constraint"].get("room type")
        if want is None:
            return None, ""
        ok = ROOM_TYPE_OK.get(want, lambda t: True)
        for text, row in self._first_listings(plan):
            if not ok(row.room_type):
                return False, f"{text!r} is a {row.room_type}, not {want}"
        return True, ""

    def cuisine(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        wanted = q["local_constraint"].get("cuisine")
        if not wanted:
            return None, ""
        got: set[str] = set()
        for day in plan:
            for meal in MEALS:
                v = day[meal]
                if not filled(v):
                    continue
                if split_name_city(v)[1] == q["org"]:
                    break  # the benchmark stops reading the day at a meal in the home city
                r = self._restaurant(v)
                if r is not None:
                    got.update(c for c in wanted if c in ", ".join(r.cuisines))
        if len(got) == len(wanted):
            return True, ""
        missing = [c for c in wanted if c not in got]
        return False, f"missing cuisines: {', '.join(missing) or 'a cuisine is listed twice'}"

    def transport_ban(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        ban = q["local_constraint"].get("transportation")
        if ban is None:
            return None, ""
        word = {"no flight": "Flight", "no self-driving": "Self-driving"}.get(ban)
        for i, day in enumerate(plan):
            t = day["transportation"]
            if word and filled(t) and (word in t or (self.strict and word.lower() in t.lower())):
                return False, f"day {i + 1} uses {word.lower()} despite '{ban}'"
        return True, ""

    # ---------------- one plan ----------------
    def evaluate(self, question: dict, plan: list | None) -> PlanVerdict:
        plan = list(plan or [])
        lc = question["local_constraint"]
        applicable = {"valid_cost": True, "valid_room_rule": lc.get("house rule") is not None,
                      "valid_cuisine": bool(lc.get("cuisine")), "valid_room_type": lc.get("room type") is not None,
                      "valid_transportation": lc.get("transportation") is not None}
        if not plan:
            return PlanVerdict(False, {k: False for k in COMMONSENSE},
                               {k: (False if applicable[k] else None) for k in HARD}, {"delivery": "no plan"})
        checks = {
            "is_valid_information_in_current_city": self.within_current_city,
            "is_valid_information_in_sandbox": self.within_sandbox,
            "is_reasonable_visiting_city": self.reasonable_route,
            "is_valid_restaurants": self.diverse_restaurants,
            "is_valid_transportation": self.transportation,
            "is_valid_attractions": self.diverse_attractions,
            "is_valid_accommodation": self.minimum_nights,
            "is_not_absent": self.complete,
        }
        days_plan = plan[: question["days"]]  # later entries are not read
        commonsense: dict[str, bool] = {}
        messages: dict[str, str] = {}
        for key, fn in checks.items():
            try:
                ok, msg = fn(question, days_plan)
            except MALFORMED as exc:
                ok, msg = False, f"malformed plan: {exc!r}"
            commonsense[key] = bool(ok)
            if msg:
                messages[key] = msg
        hard: dict[str, bool | None] = {}
        total = None
        if commonsense["is_not_absent"] and commonsense["is_valid_information_in_sandbox"]:
            try:
                total = self.total_cost(question, days_plan)
                hard["valid_cost"] = total <= question["budget"]
                if not hard["valid_cost"]:
                    messages["valid_cost"] = f"total cost ${total:,} exceeds the budget ${question['budget']:,}"
            except MALFORMED as exc:
                hard["valid_cost"] = False
                messages["valid_cost"] = f"cannot cost the plan: {exc}"
            for key, fn in (("valid_room_rule", self.room_rule), ("valid_cuisine", self.cuisine),
                            ("valid_room_type", self.room_type), ("valid_transportation", self.transport_ban)):
                try:
                    ok, msg = fn(question, days_plan)
                except MALFORMED as exc:
                    ok, msg = False, f"malformed plan: {exc!r}"
                hard[key] = ok
                if msg:
                    messages[key] = msg
        else:
            hard = {k: (False if applicable[k] else None) for k in HARD}
            messages["hard"] = "hard constraints not evaluated (incomplete plan or one outside the sandbox)"
        return PlanVerdict(True, commonsense, hard, messages, total)


@dataclass
class Metrics:
    """Aggregate metrics of a set of verdicts (the benchmark's eval.py figures)."""

    n: int
    delivery_rate: float
    commonsense_micro: float
    commonsense_macro: float
    hard_micro: float
    hard_macro: float
    final_pass_rate: float
    per_check: dict[str, float]
    hard_denominator: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def aggregate(verdicts: list[PlanVerdict], questions: list[dict]) -> Metrics:
    """The benchmark's figures: micro rates count passed checks (hard ones over the checks its
    script counts for each level: the budget always, the local constraints on medium and hard
    queries, the transport ban on hard ones only); macro rates count plans passing all."""
    n = len(verdicts)
    if n == 0:
        return Metrics(0, 0, 0, 0, 0, 0, 0, {}, 0)
    cs_passed = sum(sum(1 for k in COMMONSENSE if v.delivered and v.commonsense.get(k)) for v in verdicts)
    hard_total = 0
    hard_passed = 0
    per_check: Counter = Counter()
    per_check_n: Counter = Counter()
    for v, q in zip(verdicts, questions, strict=True):
        for k in COMMONSENSE:
            per_check_n[k] += 1
            per_check[k] += bool(v.delivered and v.commonsense.get(k))
        lc = q["local_constraint"]
        counted = COUNTED_LOCAL.get(q.get("level", ""), ())
        for k, key in (("valid_cost", None), ("valid_room_rule", "house rule"), ("valid_cuisine", "cuisine"),
                       ("valid_room_type", "room type"), ("valid_transportation", "transportation")):
            ok = bool(v.delivered and v.hard.get(k))
            hard_passed += ok
            if key is None or (key in counted and lc.get(key) is not None):
                hard_total += 1
            if key is None or lc.get(key) is not None:
                per_check_n[k] += 1
                per_check[k] += ok
    return Metrics(
        n=n,
        delivery_rate=sum(v.delivered for v in verdicts) / n,
        commonsense_micro=cs_passed / (len(COMMONSENSE) * n),
        commonsense_macro=sum(v.commonsense_pass for v in verdicts) / n,
        hard_micro=hard_passed / hard_total if hard_total else 1.0,
        hard_macro=sum(v.hard_pass for v in verdicts) / n,
        final_pass_rate=sum(v.final_pass for v in verdicts) / n,
        per_check={k: per_check[k] / per_check_n[k] for k in per_check_n},
        hard_denominator=hard_total,
    )
