"""The TravelPlanner checks as the benchmark's own scripts compute them, over the raw table rows.

A second, independent implementation of data/travelplanner/EVALUATION.md, written from a
reading of the official evaluation code (OSU-NLP-Group/TravelPlanner: evaluation/eval.py,
commonsense_constraint.py, hard_constraint.py, tools/*/apis.py), kept close to its rules,
including the ones a plain reading of the metric names would get wrong:

- a table row with any missing field does not exist (the tools drop incomplete rows);
- a venue is found by its name as a substring of a row's name, in a row of exactly that city,
  and the first such row (in file order) gives its price, rules and room type;
- a flight's cost is looked up by its number alone; a drive's, from the first distance row;
- on a day spent in one city, "in the current city" tests the characters of the city's name
  (each must occur in the transportation text; any one in a meal or attraction; the last one
  in the accommodation);
- an attraction list counts the items before each ';' (a last item without ';' is not read);
- minimum nights bind only when exactly one row matches the listing's name;
- every key of a day (also `days` and `current_city`) counts towards the half-filled rule;
- a cuisine is looked for in the raw cuisine text; a meal in the origin city ends the search
  of that day's later meals;
- the house rule "parties" is compared against a misspelt key, so it never fails;
- a transport ban tests 'Flight' / 'Self-driving' with that capitalisation;
- hard checks run only when the plan is complete and within the sandbox.

Where the official scripts would stop with an exception (a malformed plan), the check that
raised fails. This module is the reference our evaluator (evaluation.py) is tested against.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from planner.travel.database import is_missing, load_background, table_rows

COMMONSENSE_KEYS = (
    "is_valid_information_in_current_city", "is_valid_information_in_sandbox", "is_reasonable_visiting_city",
    "is_valid_restaurants", "is_valid_transportation", "is_valid_attractions", "is_valid_accommodation",
    "is_not_absent",
)
HARD_KEYS = ("valid_cost", "valid_room_rule", "valid_cuisine", "valid_room_type", "valid_transportation")
NO_MORE_DAYS = "You don't need to fill in the information for this or later days."
_FROM_TO = re.compile(r"from\s+(.+?)\s+to\s+([^,]+)(?=[,\s]|$)")
_NAME_CITY = re.compile(r"(.*?),\s*([^,]+)(\(\w[\w\s]*\))?$")
_BEFORE_PAREN = re.compile(r"^(.*?)\([^)]*\)")
# the official room-rule check compares the question's rule with these keys ("parities" is
# how the scripts spell it, so a "parties" rule is never checked)
_RULE_KEYS = {"smoking": "No smoking", "parities": "No parties", "children under 10": "No children under 10",
              "visitors": "No visitors", "pets": "No pets"}


def before_parenthesis(text: str) -> str:
    m = _BEFORE_PAREN.search(text)
    return m.group(1) if m else text


def from_to(text: str) -> tuple[str | None, str | None]:
    m = _FROM_TO.search(text)
    return (m.group(1), m.group(2)) if m else (None, None)


def name_city(text: str) -> tuple[str, str]:
    m = _NAME_CITY.search(text)
    if not m:
        return "-", "-"
    return m.group(1).strip(), before_parenthesis(m.group(2).strip()).strip()


def _given(day: dict, key: str) -> bool:
    return key in day and bool(day[key]) and day[key] != "-"


def _days(question: dict, plan: list) -> range:
    return range(min(question["days"], len(plan)))


class Sandbox:
    """The raw rows of each table (incomplete rows dropped, file order kept), indexed by city."""

    def __init__(self, root: Path | None = None) -> None:
        self.by_city: dict[str, dict[str, list[dict]]] = {}
        for table, city_col in (("restaurants", "City"), ("attractions", "City"), ("accommodations", "city")):
            index: dict[str, list[dict]] = defaultdict(list)
            for row in table_rows(table, root):
                index[row[city_col]].append(row)
            self.by_city[table] = dict(index)
        self.flights: dict[str, list[dict]] = defaultdict(list)
        keep = ("Price", "OriginCityName", "DestCityName")
        for row in table_rows("flights", root):
            self.flights[row["Flight Number"]].append({k: row[k] for k in keep})
        self.distance_rows: dict[tuple[str, str], dict] = {}
        for row in table_rows("distances", root):
            self.distance_rows.setdefault((row["origin"], row["destination"]), row)
        self.city_state = load_background(root).city_state

    def add_flights(self, rows: list[dict]) -> None:
        """Rows of the full flights table that the loaded one lacks (from reference information)."""
        for row in rows:
            have = self.flights[row["Flight Number"]]
            entry = {"Price": row["Price"], "OriginCityName": row["OriginCityName"], "DestCityName": row["DestCityName"]}
            if entry not in have:
                have.append(entry)

    def rows(self, table: str, text: str) -> list[dict]:
        """Rows whose name contains the name part of 'Name, City' and whose city is that city."""
        name, city = name_city(text)
        col = "NAME" if table == "accommodations" else "Name"
        return [r for r in self.by_city[table].get(city, []) if name in r[col]]

    def drive_cost(self, origin: str, dest: str, mode: str) -> int | None:
        row = self.distance_rows.get((before_parenthesis(origin), before_parenthesis(dest)))
        if row is None or is_missing(row["duration"]) or is_missing(row["distance"]) or "day" in row["duration"]:
            return None
        km = float(row["distance"].replace("km", "").replace(",", ""))
        return int(km * 0.05) if "driving" in mode else int(km)


@dataclass
class OfficialVerdict:
    """Each check's outcome (None: not evaluated / not applicable), as the official scripts give it."""

    delivered: bool
    commonsense: dict[str, bool] | None
    hard: dict[str, bool | None] | None
    total_cost: float | None = None

    @property
    def commonsense_pass(self) -> bool:
        return self.commonsense is not None and all(v is not False for v in self.commonsense.values())

    @property
    def hard_pass(self) -> bool:
        return self.hard is not None and all(v is not False for v in self.hard.values())

    @property
    def final_pass(self) -> bool:
        return self.commonsense_pass and self.hard_pass


class OfficialChecks:
    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self.sb = sandbox or Sandbox()

    # ------------------------------------------------------------------ commonsense
    def current_city(self, q: dict, plan: list) -> bool:
        for i in _days(q, plan):
            day = plan[i]
            cc = day["current_city"]
            if "from" in cc:
                a, b = from_to(cc)
                places = [before_parenthesis(a), before_parenthesis(b)]
            else:
                places = before_parenthesis(cc)  # a string: its characters are compared
            if _given(day, "transportation") and any(p not in day["transportation"] for p in places):
                return False
            for meal in ("breakfast", "lunch", "dinner"):
                if _given(day, meal) and not any(p in day[meal] for p in places):
                    return False
            if _given(day, "attraction"):
                for item in day["attraction"].split(";")[:-1]:
                    if not any(p in item for p in places):
                        return False
            if _given(day, "accommodation") and places[-1] not in day["accommodation"]:
                return False
        return True

    def in_sandbox(self, q: dict, plan: list) -> bool:
        sb = self.sb
        for i in _days(q, plan):
            day = plan[i]
            leg = _leg(day)
            if leg is not None:
                t, a, b = leg
                if "flight number" in t.lower():
                    if a is None or b is None:
                        return False  # the official script raises here
                    number = _flight_number(t)
                    a, b = before_parenthesis(a), before_parenthesis(b)
                    if not any(r["OriginCityName"] == a and r["DestCityName"] == b for r in sb.flights.get(number, [])):
                        return False
                elif "self-driving" in t.lower() or "taxi" in t.lower():
                    if a is None or b is None:
                        a, b = "-", "-"
                    mode = "self-driving" if "self-driving" in t.lower() else "taxi"
                    if sb.drive_cost(a, b, mode) is None:
                        return False
            for meal in ("breakfast", "lunch", "dinner"):
                if _given(day, meal) and not sb.rows("restaurants", day[meal]):
                    return False
            if _given(day, "attraction"):
                for item in day["attraction"].split(";")[:-1]:
                    if not sb.rows("attractions", item):
                        return False
            if _given(day, "accommodation") and not sb.rows("accommodations", day["accommodation"]):
                return False
        return True

    def route(self, q: dict, plan: list) -> bool:
        cities: list[str] = []
        for i in _days(q, plan):
            cc = plan[i]["current_city"]
            if "from" in cc:
                a, b = from_to(cc)
                a, b = before_parenthesis(a), before_parenthesis(b)
                if i == 0 and a != q["org"]:
                    return False
                cities += [a, b]
            else:
                cities.append(before_parenthesis(cc))
        if cities[0] != cities[-1] or not _sequence_ok(cities):
            return False
        for k, c in enumerate(cities):
            if c not in self.sb.city_state:
                return False
            if 0 < k < len(cities) - 1 and q["days"] > 3 and self.sb.city_state[c] != q["dest"]:
                return False
        return True

    def restaurants_differ(self, q: dict, plan: list) -> bool:
        seen: list[str] = []
        for i in _days(q, plan):
            for meal in ("breakfast", "lunch", "dinner"):
                if _given(plan[i], meal):
                    if plan[i][meal] in seen:
                        return False
                    seen.append(plan[i][meal])
        return True

    def attractions_differ(self, q: dict, plan: list) -> bool:
        seen: list[str] = []
        for i in _days(q, plan):
            if _given(plan[i], "attraction"):
                for item in plan[i]["attraction"].split(";")[:-1]:
                    if item in seen:
                        return False
                    seen.append(item)
        return True

    def transport_modes(self, q: dict, plan: list) -> bool:
        first = plan[0]["transportation"]
        if not first or first == "-":
            return False
        modes = {_mode(first)}
        for i in _days(q, plan):
            t = plan[i].get("transportation")
            if t and t != "-":
                modes.add(_mode(t))
        return not ({"Self-driving", "Flight"} <= modes or {"Self-driving", "Taxi"} <= modes)

    def minimum_nights(self, q: dict, plan: list) -> bool:
        stays: list[str] = []
        for i in _days(q, plan):
            if "accommodation" not in plan[i]:
                return False
            stays.append(plan[i]["accommodation"])
        runs: list[list] = []
        for s in stays:
            if runs and runs[-1][0] == s:
                runs[-1][1] += 1
            else:
                runs.append([s, 1])
        for text, nights in runs:
            if text not in ("-", ""):
                rows = self.sb.rows("accommodations", text)
                if len(rows) == 1 and nights < float(rows[0]["minimum nights"]):
                    return False
        return True

    def not_absent(self, q: dict, plan: list) -> bool:
        days = q["days"]
        real = sum(1 for i in _days(q, plan) if plan[i] != {} and plan[i]["current_city"] != NO_MORE_DAYS)
        if real != days:
            return False
        visited: set[str] = set()
        for i in _days(q, plan):
            cc = plan[i]["current_city"]
            if "from" in cc:
                a, b = from_to(cc)
                a, b = before_parenthesis(a), before_parenthesis(b)
                if i == 0 and a != q["org"]:
                    return False
                visited.update((a, b))
            else:
                visited.add(before_parenthesis(cc))
        visited.discard(q["org"])
        if len(visited) != q["visiting_city_number"]:
            return False
        filled = 0
        for i in _days(q, plan):
            day = plan[i]
            if any(k not in day for k in ("transportation", "breakfast", "lunch", "dinner", "attraction", "accommodation")):
                return False
            cc = day["current_city"]
            if ("from " in cc or "to " in cc) and day["transportation"] in ("", "-"):
                return False
            if "from " not in cc and " to " not in cc and day["attraction"] in ("", "-"):
                return False
            if i != days - 1 and day["accommodation"] in ("", "-"):
                return False
            if "from " not in cc and any(day[m] in ("", "-") for m in ("breakfast", "lunch", "dinner")):
                return False
            filled += sum(1 for v in day.values() if v and v != "-")
        return filled / (6 * days) >= 0.5

    # ------------------------------------------------------------------ hard
    def total_cost(self, q: dict, plan: list) -> float:
        sb, people = self.sb, q["people_number"]
        total = 0.0
        for i in _days(q, plan):
            day = plan[i]
            leg = _leg(day)
            if leg is not None:
                t, a, b = leg
                if a is not None and b is not None:
                    if "flight number" in t.lower():
                        rows = sb.flights.get(_flight_number(t), [])
                        if rows:
                            total += float(rows[0]["Price"]) * people
                    elif "self-driving" in t.lower():
                        total += sb.drive_cost(a, b, "self-driving") * math.ceil(people / 5)
                    elif "taxi" in t.lower():
                        total += sb.drive_cost(a, b, "taxi") * math.ceil(people / 4)
            for meal in ("breakfast", "lunch", "dinner"):
                if day[meal] and day[meal] != "-":
                    rows = sb.rows("restaurants", day[meal])
                    if rows:
                        total += float(rows[0]["Average Cost"]) * people
            if day["accommodation"] and day["accommodation"] != "-":
                rows = sb.rows("accommodations", day["accommodation"])
                if rows:
                    total += float(rows[0]["price"]) * math.ceil(people / float(rows[0]["maximum occupancy"]))
        return total

    def _first_stays(self, q: dict, plan: list):
        for i in _days(q, plan):
            text = plan[i]["accommodation"]
            if text and text != "-":
                rows = self.sb.rows("accommodations", text)
                if rows:
                    yield rows[0]

    def room_rule(self, q: dict, plan: list) -> bool | None:
        rule = q["local_constraint"]["house rule"]
        if rule is None:
            return None
        words = _RULE_KEYS.get(rule)
        return not any(words and words in row["house_rules"] for row in self._first_stays(q, plan))

    def room_type(self, q: dict, plan: list) -> bool | None:
        want = q["local_constraint"]["room type"]
        if want is None:
            return None
        for row in self._first_stays(q, plan):
            kind = row["room type"]
            if ((want == "not shared room" and kind == "Shared room") or (want == "shared room" and kind != "Shared room")
                    or (want == "private room" and kind != "Private room")
                    or (want == "entire room" and kind != "Entire home/apt")):
                return False
        return True

    def cuisine(self, q: dict, plan: list) -> bool | None:
        wanted = q["local_constraint"]["cuisine"]
        if not wanted:
            return None
        found: set[str] = set()
        for i in _days(q, plan):
            for meal in ("breakfast", "lunch", "dinner"):
                text = plan[i][meal]
                if not text or text == "-":
                    continue
                if name_city(text)[1] == q["org"]:
                    break  # the official loop moves on to the next day here
                rows = self.sb.rows("restaurants", text)
                if rows:
                    found.update(c for c in wanted if c in rows[0]["Cuisines"])
        return len(found) == len(wanted)

    def transport_ban(self, q: dict, plan: list) -> bool | None:
        ban = q["local_constraint"]["transportation"]
        if ban is None:
            return None
        for i in _days(q, plan):
            t = plan[i]["transportation"]
            if t and t != "-" and ((ban == "no flight" and "Flight" in t) or (ban == "no self-driving" and "Self-driving" in t)):
                return False
        return True

    # ------------------------------------------------------------------ one plan
    def evaluate(self, question: dict, plan: list | None) -> OfficialVerdict:
        if not plan:
            return OfficialVerdict(False, None, None)
        checks = {
            "is_valid_information_in_current_city": self.current_city,
            "is_valid_information_in_sandbox": self.in_sandbox,
            "is_reasonable_visiting_city": self.route,
            "is_valid_restaurants": self.restaurants_differ,
            "is_valid_transportation": self.transport_modes,
            "is_valid_attractions": self.attractions_differ,
            "is_valid_accommodation": self.minimum_nights,
            "is_not_absent": self.not_absent,
        }
        commonsense = {k: _safe(fn, question, plan) for k, fn in checks.items()}
        if not (commonsense["is_not_absent"] and commonsense["is_valid_information_in_sandbox"]):
            return OfficialVerdict(True, commonsense, None)
        try:
            total = self.total_cost(question, plan)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            total = None
        hard = {
            "valid_cost": total is not None and total <= question["budget"],
            "valid_room_rule": _safe(self.room_rule, question, plan),
            "valid_cuisine": _safe(self.cuisine, question, plan),
            "valid_room_type": _safe(self.room_type, question, plan),
            "valid_transportation": _safe(self.transport_ban, question, plan),
        }
        return OfficialVerdict(True, commonsense, hard, total)


def _safe(fn, question: dict, plan: list):
    try:
        return fn(question, plan)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return False


def _mode(text: str) -> str | None:
    low = text.lower()
    if "taxi" in low:
        return "Taxi"
    if "self-driving" in low:
        return "Self-driving"
    if "flight" in low:
        return "Flight"
    return None


def _sequence_ok(cities: list[str]) -> bool:
    """Each city between the ends stays in one block of at least two entries, never to return."""
    if len(cities) < 3:
        return False
    seen: set[str] = set()
    i = 0
    while i < len(cities):
        c = cities[i]
        if c in seen and 0 < i < len(cities) - 1:
            return False
        start = i
        while i < len(cities) and cities[i] == c:
            i += 1
        if i - start == 1 and 0 < i - 1 < len(cities) - 1:
            return False
        seen.add(c)
    return True


def official_scores(questions: list[dict], verdicts: list[OfficialVerdict]) -> dict[str, float]:
    """The six figures of the official eval.py for a split (denominators as it computes them)."""
    n = len(questions)
    cs_pass = sum(sum(1 for k in COMMONSENSE_KEYS if v.commonsense and v.commonsense.get(k) is True) for v in verdicts)
    hard_pass = sum(sum(1 for k in HARD_KEYS if v.hard and v.hard.get(k) is True) for v in verdicts)
    hard_total = 0
    for q in questions:
        lc = q["local_constraint"]
        hard_total += 1  # the budget
        counted = {"hard": ("house rule", "cuisine", "room type", "transportation"),
                   "medium": ("house rule", "cuisine", "room type")}.get(q["level"], ())
        hard_total += sum(1 for key in counted if lc.get(key) is not None)
    evaluated = [v for v in verdicts if v.commonsense is not None and v.hard is not None]
    return {
        "delivery_rate": sum(v.delivered for v in verdicts) / n,
        "commonsense_micro": cs_pass / (8 * n),
        "commonsense_macro": sum(v.commonsense_pass for v in evaluated) / n,
        "hard_micro": hard_pass / hard_total if hard_total else 1.0,
        "hard_macro": sum(v.hard_pass for v in evaluated) / n,
        "final_pass_rate": sum(v.final_pass for v in evaluated) / n,
    }


def _leg(day: dict) -> tuple[str, str | None, str | None] | None:
    """A day's transportation text and its endpoints (from the text, else from the day's
    ``from A to B`` city), as the official scripts read them; None when the day has none."""
    t = day["transportation"]
    if not t or t == "-":
        return None
    a, b = from_to(t)
    if a is None or b is None:
        a, b = from_to(day["current_city"])
    return t, a, b


def _flight_number(transportation: str) -> str:
    return transportation.split("Flight Number: ")[1].split(",")[0]
