"""Our implementation of the TravelPlanner metrics (data/travelplanner/EVALUATION.md).

A plan is the benchmark's list of day dicts; the question is the benchmark's structured
fields (`TripSpec.as_benchmark()`). Names are resolved against the full database the way
the benchmark does it: substring on the name plus exact city, first match wins.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from planner.travel.database import TravelDatabase, load_database

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

_FROM_TO = re.compile(r"from\s+(.+?)\s+to\s+([^,]+?)(?=\s*,|\s*$)")


def filled(value: object) -> bool:
    return isinstance(value, str) and value.strip() not in ("", "-")


def split_name_city(text: str) -> tuple[str, str]:
    """'Name, City' -> (Name, City), splitting at the last comma."""
    if "," not in text:
        return text.strip(), ""
    name, city = text.rsplit(",", 1)
    return name.strip(), re.sub(r"\(.*?\)", "", city).strip()


def from_to(text: str) -> tuple[str | None, str | None]:
    m = _FROM_TO.search(text)
    if not m:
        return None, None
    return strip_parenthesis(m.group(1)), strip_parenthesis(m.group(2))


def strip_parenthesis(text: str) -> str:
    """'San Antonio(Texas)' -> 'San Antonio'."""
    return re.sub(r"\(.*?\)", "", text).strip()


def day_cities(current_city: str) -> list[str]:
    a, b = from_to(current_city)
    if a is not None:
        return [a, b]
    return [strip_parenthesis(current_city)]


def is_travel_day(day: dict) -> bool:
    return "from " in str(day.get("current_city", ""))


def attraction_items(text: str) -> list[str]:
    return [x.strip() for x in str(text).split(";") if x.strip() and x.strip() != "-"]


def normalise_plan(plan: list | None) -> list[dict]:
    """Drop empty padding days."""
    return [d for d in (plan or []) if isinstance(d, dict) and d]


def flight_number(text: str) -> str | None:
    if "Flight Number: " not in text:
        return None
    return text.split("Flight Number: ", 1)[1].split(",")[0].strip()


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
        """`strict=False` reproduces the benchmark's scripts exactly, including one quirk: on a
        day spent in one city they compare venues with the *characters* of the city name, so
        that check only bites on travel days. `strict=True` compares with the city name."""
        self.db = db or load_database()
        self.strict = strict

    # ---------------- commonsense ----------------
    def within_current_city(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        for i, day in enumerate(plan):
            cities = day_cities(day.get("current_city", ""))
            if not self.strict and not is_travel_day(day):
                cities = list(cities[0])
            for key in ("transportation", *MEALS):
                v = day.get(key, "-")
                if filled(v) and not any(c in v for c in cities):
                    return False, f"day {i + 1} {key} {v!r} is not in {cities}"
            for item in attraction_items(day.get("attraction", "-")):
                if not any(c in item for c in cities):
                    return False, f"day {i + 1} attraction {item!r} is not in {cities}"
            acc = day.get("accommodation", "-")
            if filled(acc) and cities[-1] not in acc:
                return False, f"day {i + 1} accommodation {acc!r} is not in {cities[-1]}"
        return True, ""

    def within_sandbox(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        db = self.db
        for i, day in enumerate(plan):
            cities = day_cities(day.get("current_city", ""))
            t = day.get("transportation", "-")
            if filled(t):
                low = t.lower()
                if "flight number" in low:
                    num = flight_number(t)
                    ok = any(f.origin == cities[0] and f.dest == cities[-1] for f in db.flights_by_number.get(num or "", []))
                    if not ok:
                        return False, f"day {i + 1}: flight {num} from {cities[0]} to {cities[-1]} is not in the database"
                elif "self-driving" in low or "taxi" in low:
                    a, b = from_to(t)
                    if a is None:
                        a, b = cities[0], cities[-1]
                    if db.drive(a, b) is None:
                        return False, f"day {i + 1}: no driving route from {a} to {b}"
            for meal in MEALS:
                v = day.get(meal, "-")
                if filled(v):
                    name, city = split_name_city(v)
                    if db.find_restaurant(name, city) is None:
                        return False, f"day {i + 1}: restaurant {v!r} is not in the database"
            for item in attraction_items(day.get("attraction", "-")):
                name, city = split_name_city(item)
                if db.find_attraction(name, city) is None:
                    return False, f"day {i + 1}: attraction {item!r} is not in the database"
            acc = day.get("accommodation", "-")
            if filled(acc):
                name, city = split_name_city(acc)
                if not db.find_accommodation(name, city):
                    return False, f"day {i + 1}: accommodation {acc!r} is not in the database"
        return True, ""

    def reasonable_route(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        route: list[str] = []
        for i, day in enumerate(plan):
            cc = day.get("current_city", "")
            if is_travel_day(day):
                a, b = from_to(cc)
                if a is None:
                    return False, f"day {i + 1}: cannot read {cc!r}"
                if i == 0 and a != q["org"]:
                    return False, f"the first day should start from {q['org']}"
                route += [a, b]
            else:
                route.append(day_cities(cc)[0])
        if not route:
            return False, "no cities"
        if route[0] != route[-1]:
            return False, "the trip is not a closed loop"
        seen: set[str] = set()
        for i in range(1, len(route) - 1):
            c = route[i]
            if c in seen and c != route[i - 1]:
                return False, f"{c} is visited more than once"
            seen.add(c)
        states = self.db.background.city_state
        for c in route:
            if c not in states:
                return False, f"{c} is not a known city"
            if q["days"] > 3 and c != q["org"] and states[c] != q["dest"]:
                return False, f"{c} is not in {q['dest']}"
        return True, ""

    def diverse_restaurants(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        seen: set[str] = set()
        for day in plan:
            for meal in MEALS:
                v = day.get(meal, "-")
                if filled(v):
                    if v in seen:
                        return False, f"restaurant {v!r} is used twice"
                    seen.add(v)
        return True, ""

    def transportation(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        if not plan or not filled(plan[0].get("transportation", "-")):
            return False, "day 1 has no transportation"
        modes = set()
        for day in plan:
            low = str(day.get("transportation", "-")).lower()
            for m in ("flight", "self-driving", "taxi"):
                if m in low:
                    modes.add(m)
        if {"self-driving", "flight"} <= modes:
            return False, "self-driving and flights are mixed"
        if {"self-driving", "taxi"} <= modes:
            return False, "self-driving and taxis are mixed"
        return True, ""

    def diverse_attractions(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        seen: set[str] = set()
        for day in plan:
            for item in attraction_items(day.get("attraction", "-")):
                if item in seen:
                    return False, f"attraction {item!r} is repeated"
                seen.add(item)
        return True, ""

    def minimum_nights(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        runs: list[list] = []
        for day in plan:
            acc = day.get("accommodation", "-")
            if runs and runs[-1][0] == acc:
                runs[-1][1] += 1
            else:
                runs.append([acc, 1])
        for acc, n in runs:
            if filled(acc):
                name, city = split_name_city(acc)
                rows = self.db.find_accommodation(name, city)
                if len(rows) == 1 and n < rows[0].min_nights:
                    return False, f"{acc!r} booked {n} night(s), needs at least {rows[0].min_nights}"
        return True, ""

    def complete(self, q: dict, plan: list[dict]) -> tuple[bool, str]:
        days = q["days"]
        if len(plan) != days:
            return False, f"{len(plan)} day entries for a {days}-day trip"
        cities = set()
        for day in plan:
            cities.update(day_cities(day.get("current_city", "")))
        cities.discard(q["org"])
        if len(cities) != q["visiting_city_number"]:
            return False, f"{len(cities)} cities visited, {q['visiting_city_number']} requested"
        filled_count = 0
        for i, day in enumerate(plan):
            for key in FIELDS:
                if key not in day:
                    return False, f"day {i + 1} lacks {key}"
            travel = is_travel_day(day)
            if travel and not filled(day["transportation"]):
                return False, f"day {i + 1} is a travel day without transportation"
            if not travel and not filled(day["attraction"]):
                return False, f"day {i + 1} has no attraction"
            if i != days - 1 and not filled(day["accommodation"]):
                return False, f"day {i + 1} has no accommodation"
            if not travel and not all(filled(day[m]) for m in MEALS):
                return False, f"day {i + 1} lacks a meal"
            filled_count += sum(1 for key in FIELDS if filled(day[key]))
        if filled_count < 0.5 * len(FIELDS) * days:
            return False, f"only {filled_count} of {len(FIELDS) * days} fields are filled"
        return True, ""

    # ---------------- hard ----------------
    def total_cost(self, q: dict, plan: list[dict]) -> int:
        db = self.db
        people = q["people_number"]
        total = 0
        for day in plan:
            t = day.get("transportation", "-")
            if filled(t):
                low = t.lower()
                a, b = from_to(t)
                if a is None:
                    a, b = from_to(day.get("current_city", ""))
                if "flight number" in low:
                    rows = db.flights_by_number.get(flight_number(t) or "", [])
                    if rows:
                        total += rows[0].price * people
                elif "self-driving" in low or "taxi" in low:
                    d = db.drive(a or "", b or "")
                    if d is not None:
                        if "self-driving" in low:
                            total += d.self_driving_cost * math.ceil(people / 5)
                        else:
                            total += d.taxi_cost * math.ceil(people / 4)
            for meal in MEALS:
                v = day.get(meal, "-")
                if filled(v):
                    r = db.find_restaurant(*split_name_city(v))
                    if r is not None:
                        total += r.cost * people
            acc = day.get("accommodation", "-")
            if filled(acc):
                rows = db.find_accommodation(*split_name_city(acc))
                if rows:
                    total += rows[0].nightly_cost(people)
        return total

    def _accommodations(self, plan: list[dict]):
        for day in plan:
            acc = day.get("accommodation", "-")
            if filled(acc):
                rows = self.db.find_accommodation(*split_name_city(acc))
                if rows:
                    yield acc, rows[0]

    def room_rule(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        rule = q["local_constraint"].get("house rule")
        if not rule:
            return None, ""
        for text, row in self._accommodations(plan):
            if f"No {rule}" in row.house_rules:
                return False, f"{text!r} says 'No {rule}'"
        return True, ""

    def room_type(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        want = q["local_constraint"].get("room type")
        if not want:
            return None, ""
        ok = ROOM_TYPE_OK[want]
        for text, row in self._accommodations(plan):
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
                v = day.get(meal, "-")
                if filled(v):
                    name, city = split_name_city(v)
                    if city == q["org"]:
                        continue
                    r = self.db.find_restaurant(name, city)
                    if r is not None:
                        got.update(c for c in wanted if c in ", ".join(r.cuisines))
        missing = [c for c in wanted if c not in got]
        return (not missing), (f"missing cuisines: {', '.join(missing)}" if missing else "")

    def transport_ban(self, q: dict, plan: list[dict]) -> tuple[bool | None, str]:
        ban = q["local_constraint"].get("transportation")
        if not ban:
            return None, ""
        word = "flight" if ban == "no flight" else "self-driving"
        for i, day in enumerate(plan):
            t = day.get("transportation", "-")
            if filled(t) and word in t.lower():
                return False, f"day {i + 1} uses {word} despite '{ban}'"
        return True, ""

    # ---------------- one plan ----------------
    def evaluate(self, question: dict, plan: list | None) -> PlanVerdict:
        plan = normalise_plan(plan)
        applicable = {
            "valid_cost": True,
            "valid_room_rule": bool(question["local_constraint"].get("house rule")),
            "valid_cuisine": bool(question["local_constraint"].get("cuisine")),
            "valid_room_type": bool(question["local_constraint"].get("room type")),
            "valid_transportation": bool(question["local_constraint"].get("transportation")),
        }
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
        days_plan = plan[: question["days"]] if len(plan) >= question["days"] else plan
        commonsense: dict[str, bool] = {}
        messages: dict[str, str] = {}
        for key, fn in checks.items():
            try:
                ok, msg = fn(question, plan if key == "is_not_absent" else days_plan)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                ok, msg = False, f"malformed plan: {exc}"
            commonsense[key] = bool(ok)
            if msg:
                messages[key] = msg
        hard: dict[str, bool | None] = {}
        total = None
        if commonsense["is_not_absent"] and commonsense["is_valid_information_in_sandbox"]:
            total = self.total_cost(question, days_plan)
            hard["valid_cost"] = total <= question["budget"]
            if not hard["valid_cost"]:
                messages["valid_cost"] = f"total cost ${total:,} exceeds the budget ${question['budget']:,}"
            for key, fn in (("valid_room_rule", self.room_rule), ("valid_cuisine", self.cuisine),
                            ("valid_room_type", self.room_type), ("valid_transportation", self.transport_ban)):
                ok, msg = fn(question, days_plan)
                hard[key] = ok
                if msg:
                    messages[key] = msg
        else:
            hard = {k: (False if applicable[k] else None) for k in HARD}
            messages["hard"] = "hard constraints not evaluated (incomplete or hallucinated plan)"
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
        applies = {"valid_cost": True, "valid_room_rule": bool(lc.get("house rule")),
                   "valid_cuisine": bool(lc.get("cuisine")), "valid_room_type": bool(lc.get("room type")),
                   "valid_transportation": bool(lc.get("transportation"))}
        for k in HARD:
            if applies[k]:
                hard_total += 1
                per_check_n[k] += 1
                ok = bool(v.delivered and v.hard.get(k))
                hard_passed += ok
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
