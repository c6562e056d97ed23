"""Plan a trip: z3 decides each route; lower bounds decide which routes need deciding.

A state with twenty cities has thousands of ordered routes, which makes one encoding of all
of them slow to prove optimal. Each ordered route gets a lower bound computed from the data
(cheapest allowed legs on their days, cheapest allowed listing for each stay, cheapest meals
for each full day; the transport mixing rule respected). Routes are taken cheapest bound
first; z3 finds the cheapest plan on each (only plans that beat the best so far), and the
search stops when the next bound is not below the best plan: that plan is the cheapest of all.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

from planner.travel.database import World
from planner.travel.encoding import (
    Label,
    SolveResult,
    TravelEncoding,
    candidate_cities,
    resolvable_accommodations,
    resolvable_attractions,
    resolvable_restaurants,
)
from planner.travel.evaluation import ROOM_TYPE_OK
from planner.travel.extra import registry
from planner.travel.spec import TripSpec

INF = float("inf")
CLASSES = ("self-driving", "flight-or-taxi")


@dataclass(frozen=True)
class RouteBound:
    cities: tuple[str, ...]
    bound: float


class BoundTables:
    """Per-leg and per-stay lower bounds for one spec."""

    def __init__(self, spec: TripSpec, world: World, cities: list[str]) -> None:
        self.spec, self.world = spec, world
        self.max_nights = spec.days - spec.visiting_city_number
        self.stay = {c: self._stay(c) for c in cities}
        self._legs: dict[tuple[str, str, int], tuple[float, float]] = {}

    def _stay(self, city: str) -> dict[int, float]:
        spec, P = self.spec, self.spec.people
        accs = resolvable_accommodations(self.world.accommodations(city))
        rule, rtype = spec.local.house_rule, spec.local.room_type
        accs = [a for a in accs if (not rule or f"No {rule}" not in a.house_rules)
                and (not rtype or ROOM_TYPE_OK[rtype](a.room_type))]
        meals = sorted(r.cost * P for r in resolvable_restaurants(self.world.restaurants(city)))
        n_att = len(resolvable_attractions(self.world.attractions(city)))
        out = {}
        for n in range(1, self.max_nights + 1):
            lodging = min((a.nightly_cost(P) * n for a in accs if a.min_nights <= n), default=INF)
            need = 3 * (n - 1)
            food = sum(meals[:need]) if len(meals) >= need and n_att >= n - 1 else INF
            out[n] = lodging + food
        return out

    def leg(self, a: str, b: str, day: int) -> tuple[float, float]:
        """(cheapest self-driving, cheapest flight-or-taxi) for a leg on a day."""
        key = (a, b, day)
        if key not in self._legs:
            spec, P, ban = self.spec, self.spec.people, self.spec.local.transportation
            dr = self.world.drive(a, b)
            sd = dr.self_driving_cost * math.ceil(P / 5) if dr is not None and ban != "no self-driving" else INF
            other = dr.taxi_cost * math.ceil(P / 4) if dr is not None else INF
            if ban != "no flight":
                other = min([other] + [f.price * P for f in self.world.flights(a, b, spec.dates[day])])
            self._legs[key] = (sd, other)
        return self._legs[key]

    def route_bound(self, route: tuple[str, ...]) -> float:
        spec = self.spec
        D, K, org = spec.days, len(route), spec.origin
        stops = (org, *route, org)
        best = INF
        for inner in itertools.combinations(range(1, D - 1), K - 1):
            t = (0, *inner, D - 1)
            stay = 0.0
            for k in range(K):
                stay += self.stay[route[k]].get(t[k + 1] - t[k], INF)
            if stay >= best:
                continue
            for cls in (0, 1):
                legs = sum(self.leg(stops[k], stops[k + 1], t[k])[cls] for k in range(K + 1))
                best = min(best, stay + legs)
        return best


def ranked_routes(spec: TripSpec, world: World, cities: list[str]) -> list[RouteBound]:
    tables = BoundTables(spec, world, cities)
    usable = [c for c in cities if any(v < INF for v in tables.stay[c].values())]
    out = []
    kinds = [(registry.get(c.type), c.value) for c in spec.extra]
    for route in itertools.permutations(usable, spec.visiting_city_number):
        if not all(k.route_ok(v, route) for k, v in kinds):
            continue
        b = tables.route_bound(route)
        if b < INF:
            out.append(RouteBound(route, b))
    out.sort(key=lambda r: r.bound)
    return out


def plan_trip(spec: TripSpec, world: World, known_cities: dict[str, str], time_limit: float = 10.0,
              want_core: bool = True, relax: bool = False) -> SolveResult:
    """The cheapest plan (or an explained unsat / unknown) for `spec` in `world`; `relax` drops the
    realism constraints (times on travel days) that the benchmark does not have."""
    start = time.perf_counter()
    cands = candidate_cities(spec, world, known_cities)
    routes = ranked_routes(spec, world, cands) if len(cands) >= spec.visiting_city_number else []
    best: SolveResult | None = None
    exhausted = True
    over_budget = False
    for r in routes:
        left = time_limit - (time.perf_counter() - start)
        if best is not None and best.itinerary is not None and r.bound >= best.itinerary.total_cost:
            break
        if r.bound > spec.budget:
            over_budget = True  # this route and every later one cost more than the budget
            break
        if left <= 0:
            exhausted = False
            break
        enc = TravelEncoding(spec, world, known_cities, cities=list(r.cities), fixed_order=True)
        upper = best.itinerary.total_cost if best is not None and best.itinerary is not None else None
        res = enc.solve(left, upper=upper, lower=int(math.ceil(r.bound)), want_core=False,
                        skip=enc.realism_labels() if relax else frozenset())
        if res.status == "sat" and res.itinerary is not None:
            if not res.itinerary.optimal:
                exhausted = False
            best = res
        elif res.status == "unknown":
            exhausted = False
    if best is not None and best.itinerary is not None:
        best.itinerary.optimal = exhausted
        best.message = "" if exhausted else "time limit reached before optimality was proved"
        best.seconds = time.perf_counter() - start
        return best
    if routes and exhausted and len(cands) > spec.visiting_city_number + 1:
        # every route was refuted, by its cost bound or by z3: no plan; the labels that explain
        # it come from the unsat analysis (the state-wide encoding would be slow to core)
        core = [Label("budget", "budget", f"total cost within the budget of ${spec.budget:,}")] if over_budget else []
        return SolveResult("unsat", core=core, seconds=time.perf_counter() - start,
                           message="every route costs more than the budget" if over_budget else
                           "no route admits a plan")
    # no route admits a plan (or none was found in time): the full encoding decides and explains
    left = max(1.0, time_limit - (time.perf_counter() - start))
    enc = TravelEncoding(spec, world, known_cities)
    res = enc.solve(left, want_core=want_core, skip=enc.realism_labels() if relax else frozenset())
    res.seconds = time.perf_counter() - start
    return res
