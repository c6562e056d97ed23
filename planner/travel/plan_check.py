"""Whether our constraints admit a given plan, and if not, the first one that rejects it.

A plan in the benchmark's day-dict format (an annotated plan, say) is pinned onto the SMT
encoding of the spec: its route, the days it moves, each leg's flight or drive, each stay's
listing, where each meal and attraction takes place, which restaurants it uses. Our constraints
are then asserted under their labels; if z3 finds them unsatisfiable, the label first in the
encoding's order among a minimised core names the constraint stricter than the plan. The plan's
venues are kept among the candidates (pruning keeps only the cheapest), and the symmetry-breaking
'dominance' rule, which prefers cheaper interchangeable restaurants, is not asserted: neither
changes which requests have a plan, only which plan is found first.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from planner.travel.database import World
from planner.travel.encoding import FLIGHT, MEAL_SLOTS, NONE, SELF_DRIVING, TAXI, TravelEncoding
from planner.travel.evaluation import (
    filled,
    flight_number,
    from_to,
    split_name_city,
    strip_parenthesis,
)
from planner.travel.spec import SpecError, TripSpec

SKIPPED = ("dominance",)


@dataclass(frozen=True)
class PlanCheck:
    """admitted: our constraints allow the plan; else `label` (a constraint key, or 'plan' when the
    plan itself cannot be placed on the encoding) and why."""

    admitted: bool
    label: str = ""
    reason: str = ""

    def line(self) -> str:
        return "admitted" if self.admitted else f"rejected by {self.label}: {self.reason}"


@dataclass
class _Reading:
    route: list[str]
    moves: list[int]  # the day of each leg
    legs: list[tuple[str, str | None]]  # (mode, flight number)
    stays: list[str]  # listing name per stay
    meals: dict[tuple[int, str], tuple[str, str]]  # (day, meal) -> (name, city)
    attraction: dict[int, str]  # day -> city of its first attraction
    venues: dict[str, set[str]]


def _read(spec: TripSpec, plan: list[dict]) -> _Reading:
    days = plan[: spec.days]
    route: list[str] = []
    moves, legs, stays = [], [], []
    meals: dict[tuple[int, str], tuple[str, str]] = {}
    attraction: dict[int, str] = {}
    venues: dict[str, set[str]] = {}
    for d, day in enumerate(days):
        cc = day["current_city"]
        if "from" in cc:
            a, b = from_to(cc)
            if a is None or b is None:
                raise SpecError(f"day {d + 1}: cannot read the cities of {cc!r}")
            b = strip_parenthesis(b).strip()
            if b != spec.origin:
                route.append(b)
            t = day["transportation"].lower()
            mode = "flight" if "flight number" in t else "self-driving" if "self-driving" in t else "taxi" if "taxi" in t else ""
            if not mode:
                raise SpecError(f"day {d + 1}: no mode in {day['transportation']!r}")
            legs.append((mode, flight_number(day["transportation"]) if mode == "flight" else None))
            moves.append(d)
            if b != spec.origin:
                stays.append(split_name_city(day["accommodation"])[0] if filled(day["accommodation"]) else "")
        for meal in MEAL_SLOTS:
            if filled(day[meal]):
                meals[(d, meal)] = split_name_city(day[meal])
        if filled(day["attraction"]):
            first = [x for x in day["attraction"].split(";") if x.strip()][0]
            attraction[d] = split_name_city(first)[1]
            for item in day["attraction"].split(";"):
                if item.strip():
                    name, city = split_name_city(item)
                    venues.setdefault(city, set()).add(name)
        for key in ("breakfast", "lunch", "dinner", "accommodation"):
            if filled(day[key]):
                name, city = split_name_city(day[key])
                venues.setdefault(city, set()).add(name)
    return _Reading(route, moves, legs, stays, meals, attraction, venues)


def check_plan(spec: TripSpec, world: World, plan: list[dict], known_cities: dict[str, str],
               time_limit: float = 20.0, realism: bool = True) -> PlanCheck:
    """Pin `plan` onto our encoding of `spec` over `world` and report the first constraint that
    rejects it; `realism=False` leaves out the realism constraints (times on travel days), which
    the planner drops when keeping them leaves a request without a plan."""
    try:
        r = _read(spec, plan)
    except (SpecError, KeyError, IndexError, TypeError) as exc:
        return PlanCheck(False, "plan", f"the plan cannot be read: {exc}")
    if len(r.route) != spec.visiting_city_number or len(set(r.route)) != len(r.route):
        return PlanCheck(False, "route.cities", f"the plan visits {r.route}, not {spec.visiting_city_number} distinct cities")
    for city, wanted in r.venues.items():  # a name is the city's first row containing it, as looked up
        rows = [x.name for x in world.restaurants(city)] + [x.name for x in world.accommodations(city)]
        wanted |= {next((x for x in rows if n in x), n) for n in list(wanted)}
    try:
        enc = TravelEncoding(spec, world, known_cities, cities=list(r.route), fixed_order=True, keep=r.venues)
    except SpecError as exc:
        return PlanCheck(False, "route.days", str(exc))
    pins, why = _pins(enc, r)
    if why:
        return PlanCheck(False, "plan", why)
    s = z3.Solver()
    s.set("timeout", int(time_limit * 1000))
    s.add(*pins)
    if s.check() == z3.unsat:
        return PlanCheck(False, "plan", "the plan's choices contradict one another on the encoding")
    groups: dict[str, list[z3.BoolRef]] = {}
    skipped = set(SKIPPED) | (set() if realism else set(enc.realism_labels()))
    for key, expr in enc.constraints:
        if key not in skipped:
            groups.setdefault(key, []).append(expr)
    # labels added one at a time, in the encoding's order: the first that admits no plan rejects it
    for key, exprs in groups.items():
        s.add(*exprs)
        res = s.check()
        if res == z3.unsat:
            return PlanCheck(False, key, enc.labels[key].text)
        if res == z3.unknown:
            return PlanCheck(False, "unknown", "z3 could not decide within the time limit")
    return PlanCheck(True)


def _pins(enc: TravelEncoding, r: _Reading) -> tuple[list, str]:
    """The plan's choices as equalities over the encoding's variables (or why they cannot be)."""
    spec, K = enc.spec, enc.spec.visiting_city_number
    names = enc.city_names
    pins = []
    if len(r.moves) != K + 1 or r.moves[0] != 0 or r.moves[-1] != spec.days - 1:
        return [], f"the plan moves on days {[d + 1 for d in r.moves]}, not on day 1, the last day and {K - 1} between"
    pins += [enc.t[k] == r.moves[k] for k in range(1, K)]
    for k, (mode, number) in enumerate(r.legs):
        want = {"flight": FLIGHT, "self-driving": SELF_DRIVING, "taxi": TAXI}[mode]
        options = [o for o, m, payload in enc.leg_options[k]
                   if m == want and (number is None or getattr(payload, "number", None) == number)]
        if not options:
            return [], f"leg {k + 1}: the world offers no {mode}{' ' + number if number else ''} on day {r.moves[k] + 1}"
        pins.append(z3.Or(*options))
    for k, name in enumerate(r.stays):
        idx = [j for j, (i, a) in enumerate(enc.acc_list) if i == k and name in a.name]
        if not idx:
            return [], f"stay {k + 1}: {name!r} is not among the listings of {r.route[k]} the encoding may pick"
        pins.append(z3.Or(*[enc.acc[k] == j for j in idx]))
    used: dict[int, set[str]] = {}
    for d in range(spec.days):
        for meal in MEAL_SLOTS:
            if (d, meal) in r.meals:
                name, city = r.meals[(d, meal)]
                if city not in names:
                    return [], f"day {d + 1} {meal} in {city}, off the route"
                i = names.index(city)
                pins.append(enc.slot[(d, meal)] == i)
                used.setdefault(i, set()).add(name)
            else:
                pins.append(enc.slot[(d, meal)] == NONE)
        city = r.attraction.get(d)
        if city is not None and city not in names:
            return [], f"day {d + 1} attraction in {city}, off the route"
        pins.append(enc.slot[(d, "attraction")] == (names.index(city) if city is not None else NONE))
    for i, cd in enumerate(enc.data):
        # a name resolves to the city's first restaurant containing it, as the evaluator looks it up
        rows = enc.world.restaurants(names[i])
        want = {next((x.name for x in rows if n in x.name), n) for n in used.get(i, set())}
        have = {rest.name for rest in cd.restaurants}
        missing = sorted(want - have)
        if missing:
            return [], f"restaurant {missing[0]!r} of {names[i]} is not among the encoding's candidates"
        pins += [enc.use[i][j] == (rest.name in want) for j, rest in enumerate(cd.restaurants)]
    return pins, ""
