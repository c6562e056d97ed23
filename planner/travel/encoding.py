"""SMT encoding of a TripSpec over a World, solved with z3.

Unknowns: the visited cities in order, the day of each city change, each leg's mode and
flight (and departure time for a drive), one accommodation per city, where each meal and
attraction slot of a travel day takes place, and which restaurants are used. The exact
budget formula of the benchmark is the objective, minimised with z3's Optimize. Every
constraint is asserted under a `Label` so an unsat core names user-level reasons.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import z3

from planner.travel.database import Accommodation, Attraction, Drive, Flight, Restaurant, World
from planner.travel.evaluation import ROOM_TYPE_OK
from planner.travel.extra import registry
from planner.travel.plan_format import DayPlan, Itinerary, Leg
from planner.travel.spec import SpecError, TripSpec

FLIGHT, SELF_DRIVING, TAXI = 0, 1, 2
# labels of realism constraints the benchmark does not have (times of travel days): dropped when
# keeping them leaves a request without a plan
REALISM_KIND = "timing"
MODE_NAMES = {FLIGHT: "flight", SELF_DRIVING: "self-driving", TAXI: "taxi"}
NONE = -1
MEAL_SLOTS = ("breakfast", "lunch", "dinner")
SLOTS = (*MEAL_SLOTS, "attraction")
# A slot may take place in the leg's origin if the traveller leaves at or after the first time,
# and in its destination if they arrive at or before the second (minutes after midnight).
SLOT_TIMES = {
    "breakfast": (7 * 60 + 45, 9 * 60 + 15),
    "lunch": (12 * 60 + 15, 13 * 60 + 45),
    "dinner": (18 * 60 + 15, 20 * 60 + 45),
    "attraction": (10 * 60 + 30, 16 * 60 + 30),
}
DRIVE_EARLIEST, DRIVE_LATEST = 6 * 60, 22 * 60


@dataclass(frozen=True)
class Label:
    """A user-level reason behind a group of assertions."""

    key: str
    kind: str
    text: str


@dataclass
class SolveResult:
    status: str  # "sat" | "unsat" | "unknown"
    itinerary: Itinerary | None = None
    core: list[Label] = field(default_factory=list)
    seconds: float = 0.0
    message: str = ""


@dataclass
class CityData:
    """Pruned venues of one city (candidates the encoding may pick)."""

    name: str
    restaurants: list[Restaurant]
    accommodations: list[Accommodation]
    attractions: list[Attraction]


def resolvable_restaurants(rows: list[Restaurant]) -> list[Restaurant]:
    """Distinct names whose first substring match in the city is the restaurant itself."""
    out: dict[str, Restaurant] = {}
    for r in rows:
        if r.name in out or not r.name.strip() or r.name.strip() == "-":
            continue
        first = next(x for x in rows if r.name in x.name)
        if first.name == r.name:
            out[r.name] = first
    return list(out.values())


def resolvable_accommodations(rows: list[Accommodation]) -> list[Accommodation]:
    """Listings whose name matches exactly one listing of the city (as the evaluator looks them up)."""
    return [a for a in rows if a.name.strip() and sum(1 for x in rows if a.name in x.name) == 1]


def resolvable_attractions(rows: list[Attraction]) -> list[Attraction]:
    seen: set[str] = set()
    out = []
    for a in rows:
        if a.name in seen or ";" in a.name or not a.name.strip():
            continue
        seen.add(a.name)
        out.append(a)
    return out


def pareto_accommodations(rows: list[Accommodation], people: int) -> list[Accommodation]:
    """Listings not dominated in (nightly cost, minimum nights)."""
    best: list[Accommodation] = []
    for a in sorted(rows, key=lambda x: (x.nightly_cost(people), x.min_nights)):
        if all(a.min_nights < b.min_nights for b in best):
            best.append(a)
    return best


def candidate_cities(spec: TripSpec, world: World, known_cities: dict[str, str]) -> list[str]:
    """Destination cities the route may use: the city itself, or the state's cities."""
    if spec.visiting_city_number == 1 and spec.destination in known_cities:
        return [spec.destination]
    if spec.destination in set(known_cities.values()) or world.cities_in_state(spec.destination):
        return [c for c in world.cities_in_state(spec.destination) if c != spec.origin]
    return [spec.destination]


class TravelEncoding:
    """Builds the labelled constraints for one spec over one world."""

    def __init__(self, spec: TripSpec, world: World, known_cities: dict[str, str] | None = None,
                 cities: list[str] | None = None, fixed_order: bool = False,
                 keep: dict[str, set[str]] | None = None) -> None:
        """`cities` restricts the destination candidates (default: every city the world knows
        there); with `fixed_order` they are visited exactly in that order. `keep` names venues
        (by city) that stay among the candidates whatever the pruning (plan_check's plans)."""
        self.fixed_order = fixed_order
        self.keep = keep or {}
        self.spec = spec
        self.world = world
        self.known_cities = known_cities or {}
        self._only = cities
        self.labels: dict[str, Label] = {}
        self.plugin_state: dict[str, object] = {}
        self.constraints: list[tuple[str, z3.BoolRef]] = []
        self._build()

    # ------------------------------------------------------------------ helpers
    def _label(self, key: str, kind: str, text: str) -> str:
        if key not in self.labels:
            self.labels[key] = Label(key, kind, text)
        return key

    def _add(self, key: str, kind: str, text: str, expr: z3.BoolRef) -> None:
        self._label(key, kind, text)
        self.constraints.append((key, expr))

    def candidate_cities(self) -> list[str]:
        return candidate_cities(self.spec, self.world, self.known_cities)

    def _city_data(self, city: str, meal_cap: int) -> CityData:
        spec, people = self.spec, self.spec.people
        rests = resolvable_restaurants(self.world.restaurants(city))
        keep: dict[str, Restaurant] = {}

        def keep_cheapest(pool: list[Restaurant]) -> None:
            for r in sorted(pool, key=lambda r: (r.cost, r.name))[:meal_cap]:
                keep[r.name] = r
            for q in spec.local.cuisine or []:
                serving = [r for r in pool if q in ", ".join(r.cuisines)]
                for r in sorted(serving, key=lambda r: (r.cost, r.name))[:4]:
                    keep[r.name] = r

        keep_cheapest(rests)
        extras = [(registry.get(c.type), c.value) for c in spec.extra]
        rated = [r for r in rests if all(k.keep_restaurant(v, r) for k, v in extras)]
        if len(rated) < len(rests):
            keep_cheapest(rated)
        accs = resolvable_accommodations(self.world.accommodations(city))
        rule, rtype = spec.local.house_rule, spec.local.room_type
        ok_rule = [a for a in accs if not rule or f"No {rule}" not in a.house_rules]
        ok_type = [a for a in accs if not rtype or ROOM_TYPE_OK[rtype](a.room_type)]
        ok_both = [a for a in ok_rule if a in ok_type]
        kept_acc: dict[tuple, Accommodation] = {}
        groups = [accs, ok_rule, ok_type, ok_both]
        if any(not all(k.keep_accommodation(v, a) for k, v in extras) for a in accs):
            groups += [[a for a in g if all(k.keep_accommodation(v, a) for k, v in extras)] for g in groups]
        for group in groups:
            for a in pareto_accommodations(group, people):
                kept_acc[(a.name, a.city)] = a
        atts = resolvable_attractions(self.world.attractions(city))
        if extras:
            atts.sort(key=lambda a: not any(k.attraction_first(v, a) for k, v in extras))
        wanted = self.keep.get(city, set())
        if wanted:
            keep.update({r.name: r for r in rests if r.name in wanted})
            kept_acc.update({(a.name, a.city): a for a in accs if a.name in wanted})
            atts.sort(key=lambda a: a.name not in wanted)
        return CityData(city, list(keep.values()), list(kept_acc.values()), atts[: max(2 * spec.days, len(wanted))])

    # ------------------------------------------------------------------ build
    def _build(self) -> None:
        spec = self.spec
        D, K, P = spec.days, spec.visiting_city_number, spec.people
        if D < K + 1:
            raise SpecError(f"a {D}-day trip cannot visit {K} cities (each city change takes a day)")
        cands = self._only if self._only is not None else self.candidate_cities()
        self.cities = cands
        C = len(cands)
        ORG = C
        self.ORG = ORG
        names = cands + [spec.origin]
        self.city_names = names
        max_meals = 3 * (D - K + 1)
        self.data = [self._city_data(c, max_meals) for c in cands] + [self._city_data(spec.origin, 6)]

        # --- route -----------------------------------------------------------------
        self.city = [z3.Int(f"city_{k}") for k in range(K)]
        enough = C >= K
        self._add("route.cities", "route",
                  f"visit {K} distinct {'cities' if K > 1 else 'city'} in {spec.destination} "
                  f"({C} candidate{'s' if C != 1 else ''} known)",
                  z3.And(*[z3.And(c >= 0, c < C) for c in self.city], z3.Distinct(*self.city) if K > 1 else z3.BoolVal(True))
                  if enough else z3.BoolVal(False))
        # change days: t[0] = 0 (leave home), t[K] = D - 1 (return home)
        if self.fixed_order:
            self._add("route.order", "route", "the route visits its cities in the given order",
                      z3.And(*[c == k for k, c in enumerate(self.city)]))
        self.t = [z3.IntVal(0)] + [z3.Int(f"change_{k}") for k in range(1, K)] + [z3.IntVal(D - 1)]
        self._add("route.days", "route", f"{K} city stay(s) fit in {D} days",
                  z3.And(*[self.t[k] < self.t[k + 1] for k in range(K)]))
        nights = [self.t[k + 1] - self.t[k] for k in range(K)]
        self.nights = nights

        def leg_from(k: int) -> z3.ArithRef:
            return z3.IntVal(ORG) if k == 0 else self.city[k - 1]

        def leg_to(k: int) -> z3.ArithRef:
            return z3.IntVal(ORG) if k == K else self.city[k]

        self.leg_from, self.leg_to = leg_from, leg_to

        # --- legs ------------------------------------------------------------------
        self.mode = [z3.Int(f"mode_{k}") for k in range(K + 1)]
        self.dep = [z3.Int(f"dep_{k}") for k in range(K + 1)]
        self.arr = [z3.Int(f"arr_{k}") for k in range(K + 1)]
        self.leg_flights: list[list[tuple[int, int, int, Flight]]] = []
        self.leg_drives: list[list[tuple[int, int, Drive]]] = []
        self.leg_options: list[list[tuple[z3.BoolRef, int, object]]] = []
        leg_costs = []
        for k in range(K + 1):
            if k == 0:
                pairs = [(ORG, i) for i in range(C)]
                days = [0]
            elif k == K:
                pairs = [(i, ORG) for i in range(C)]
                days = [D - 1]
            else:
                pairs = [(i, j) for i in range(C) for j in range(C) if i != j]
                days = list(range(k, D - 1 - (K - k) + 1))
            flights = []
            for a, b in pairs:
                for d in days:
                    for f in self.world.flights(names[a], names[b], spec.dates[d]):
                        flights.append((a, b, d, f))
            drives = []
            for a, b in pairs:
                dr = self.world.drive(names[a], names[b])
                if dr is not None:
                    drives.append((a, b, dr))
            self.leg_flights.append(flights)
            self.leg_drives.append(drives)
            m, fr, to, day = self.mode[k], leg_from(k), leg_to(k), self.t[k]
            desc = self._leg_text(k)
            # one Boolean per concrete option: a flight, or a drive by car or taxi
            options: list[tuple[z3.BoolRef, int, object]] = []
            links = []
            costs = []
            for j, (a, b, d, f) in enumerate(flights):
                o = z3.Bool(f"leg{k}_flight{j}")
                options.append((o, FLIGHT, f))
                links.append(z3.Implies(o, z3.And(m == FLIGHT, fr == a, to == b, day == d,
                                                  self.dep[k] == f.dep_minutes, self.arr[k] == f.arr_minutes)))
                costs.append(z3.If(o, f.price * P, 0))
            for j, (a, b, dr) in enumerate(drives):
                for mode, mult in ((SELF_DRIVING, math.ceil(P / 5)), (TAXI, math.ceil(P / 4))):
                    o = z3.Bool(f"leg{k}_{MODE_NAMES[mode]}{j}")
                    options.append((o, mode, dr))
                    # a drive leaves between 6:00 and 22:00; alone this never rules a leg out (the
                    # arrival may fall on the next day): only the meal times of travel days bind
                    links.append(z3.Implies(o, z3.And(m == mode, fr == a, to == b,
                                                      self.dep[k] >= DRIVE_EARLIEST, self.dep[k] <= DRIVE_LATEST,
                                                      self.arr[k] == self.dep[k] + dr.minutes)))
                    costs.append(z3.If(o, dr.cost(MODE_NAMES[mode]) * mult, 0))
            self.leg_options.append(options)
            self._add(f"leg{k}.available", "transport",
                      f"{desc}: a flight on the day of travel or a driving route must exist",
                      z3.And(z3.Sum(*[z3.If(o, 1, 0) for o, _, _ in options]) == 1, *links) if options else z3.BoolVal(False))
            leg_costs.append(z3.Sum(*costs) if costs else z3.IntVal(0))
        self._add("transport.mix", "transport",
                  "self-driving cannot be mixed with flights or taxis",
                  z3.Or(z3.And(*[m == SELF_DRIVING for m in self.mode]), z3.And(*[m != SELF_DRIVING for m in self.mode])))
        ban = spec.local.transportation
        if ban == "no flight":
            self._add("local.transportation", "transport_ban", "no flights (requested)",
                      z3.And(*[m != FLIGHT for m in self.mode]))
        elif ban == "no self-driving":
            self._add("local.transportation", "transport_ban", "no self-driving (requested)",
                      z3.And(*[m != SELF_DRIVING for m in self.mode]))

        # --- accommodation -----------------------------------------------------------
        self.acc_list: list[tuple[int, Accommodation]] = [(i, a) for i in range(C) for a in self.data[i].accommodations]
        self.acc = [z3.Int(f"acc_{k}") for k in range(K)]
        acc_costs = []
        rule, rtype = spec.local.house_rule, spec.local.room_type
        for k in range(K):
            av = self.acc[k]
            self._add(f"acc{k}.exists", "accommodation", f"an accommodation in city {k + 1} of the route",
                      z3.Or(*[z3.And(av == j, self.city[k] == i) for j, (i, _) in enumerate(self.acc_list)])
                      if self.acc_list else z3.BoolVal(False))
            self._add("accommodation.min_nights", "min_nights", "each accommodation's minimum nights",
                      z3.And(*[z3.Implies(av == j, nights[k] >= a.min_nights) for j, (_, a) in enumerate(self.acc_list)]))
            if rule:
                bad = [j for j, (_, a) in enumerate(self.acc_list) if f"No {rule}" in a.house_rules]
                self._add("local.house_rule", "house_rule", f"accommodation must allow {rule} (requested)",
                          z3.And(*[av != j for j in bad]))
            if rtype:
                ok = ROOM_TYPE_OK[rtype]
                bad = [j for j, (_, a) in enumerate(self.acc_list) if not ok(a.room_type)]
                self._add("local.room_type", "room_type", f"room type must be {rtype} (requested)",
                          z3.And(*[av != j for j in bad]))
            acc_costs.append(z3.Sum(*[z3.If(av == j, a.nightly_cost(P) * nights[k], 0)
                                      for j, (_, a) in enumerate(self.acc_list)]) if self.acc_list else z3.IntVal(0))

        # --- meal and attraction slots -------------------------------------------------
        self.slot: dict[tuple[int, str], z3.ArithRef] = {}
        filled_terms = []
        for d in range(D):
            for s in SLOTS:
                v = z3.Int(f"slot_{d}_{s}")
                self.slot[(d, s)] = v
                rules, timing = [], []
                for k in range(K + 1):
                    after, before = SLOT_TIMES[s]
                    rules.append(z3.Implies(self.t[k] == d, z3.Or(v == NONE, v == leg_from(k), v == leg_to(k))))
                    # realism, not a benchmark rule: before departure, after arrival (this form, with
                    # the placement repeated, is the one z3 solves fast)
                    timing.append(z3.Implies(self.t[k] == d, z3.Or(
                        v == NONE,
                        z3.And(v == leg_from(k), self.dep[k] >= after),
                        z3.And(v == leg_to(k), self.arr[k] <= before))))
                self._add("timing.slots", "timing", "meals and attractions on a travel day fit the departure and "
                          "arrival times", z3.And(*timing))
                for k in range(K):
                    rules.append(z3.Implies(z3.And(self.t[k] < d, d < self.t[k + 1]), v == self.city[k]))
                self._add("slots.placement", "structure",
                          "meals and attractions take place in the day's city (on a travel day, in either)",
                          z3.And(*rules))
                filled_terms.append(z3.If(v != NONE, 1, 0))
        need = math.ceil(0.5 * 6 * D)
        # travel days fill transportation (K + 1 legs); every day but the last has accommodation
        self._add("completeness.half", "completeness", f"at least {need} of the {6 * D} plan fields are filled",
                  (K + 1) + (D - 1) + z3.Sum(*filled_terms) >= need)

        # --- restaurants ------------------------------------------------------------
        self.use: list[list[z3.BoolRef]] = []
        self.att_count: list[z3.ArithRef] = []
        meal_costs = []
        for i, cd in enumerate(self.data):
            uses = [z3.Bool(f"use_{i}_{j}") for j in range(len(cd.restaurants))]
            self.use.append(uses)
            count = z3.Sum(*[z3.If(self.slot[(d, s)] == i, 1, 0) for d in range(D) for s in MEAL_SLOTS])
            self._add(f"restaurants.{i}", "restaurants",
                      f"enough distinct restaurants in {names[i]}",
                      z3.Sum(*[z3.If(u, 1, 0) for u in uses]) == count if uses else count == 0)
            meal_costs += [z3.If(u, r.cost * P, 0) for u, r in zip(uses, cd.restaurants, strict=True)]
            # dominance: restaurants that serve the same requested cuisines are interchangeable
            # except for cost, so a pricier one is used only when every cheaper one is
            groups: dict[tuple[str, ...], list[int]] = {}
            for j, r in enumerate(cd.restaurants):
                sig = tuple(q for q in (spec.local.cuisine or []) if q in ", ".join(r.cuisines)) + tuple(
                    registry.get(c.type).keep_restaurant(c.value, r) for c in spec.extra)
                groups.setdefault(sig, []).append(j)
            chain = []
            for members in groups.values():
                members.sort(key=lambda j: (cd.restaurants[j].cost, j))
                chain += [z3.Implies(uses[b], uses[a]) for a, b in zip(members, members[1:], strict=False)]
            if chain:
                self.constraints.append(("dominance", z3.And(*chain)))
                self._label("dominance", "structure", "cheaper interchangeable restaurants first")
            acount = z3.Sum(*[z3.If(self.slot[(d, "attraction")] == i, 1, 0) for d in range(D)])
            self.att_count.append(acount)
            self._add(f"attractions.{i}", "attractions", f"enough distinct attractions in {names[i]}",
                      acount <= len(cd.attractions))
        for q in spec.local.cuisine or []:
            serving = [self.use[i][j] for i in range(C) for j, r in enumerate(self.data[i].restaurants)
                       if q in ", ".join(r.cuisines)]
            self._add(f"local.cuisine.{q}", "cuisine", f"{q} cuisine at some meal (requested)",
                      z3.Or(*serving) if serving else z3.BoolVal(False))

        for c in spec.extra:
            kind = registry.get(c.type)
            for expr in kind.encode(self, c.value):
                self._add(f"extra.{c.type}", "extra", f"{kind.words(c.value)} (requested)", expr)

        self.total = z3.Sum(*leg_costs, *acc_costs, *meal_costs) if meal_costs else z3.Sum(*leg_costs, *acc_costs)
        self.leg_costs, self.acc_costs = leg_costs, acc_costs
        self._add("budget", "budget", f"total cost within the budget of ${spec.budget:,}", self.total <= spec.budget)

    def realism_labels(self) -> frozenset[str]:
        return frozenset(k for k, label in self.labels.items() if label.kind == REALISM_KIND)

    def _leg_text(self, k: int) -> str:
        K = self.spec.visiting_city_number
        if k == 0:
            return f"travel from {self.spec.origin} on {self.spec.dates[0]}"
        if k == K:
            return f"return to {self.spec.origin} on {self.spec.dates[-1]}"
        return f"travel between city {k} and city {k + 1}"

    # ------------------------------------------------------------------ solve
    def solve(self, time_limit: float = 10.0, skip: frozenset[str] = frozenset(),
              upper: int | None = None, lower: int = 0, want_core: bool = True,
              optimize_share: float = 0.5) -> SolveResult:
        """Cheapest plan within the time limit: z3's Optimize first (given `lower`, a proven lower
        bound, as a hint), then, if it runs out of its share of the time, bisection on the total
        cost, which keeps the best plan found so far. `upper` asks only for plans cheaper than it.
        On unsat, a minimised core of labels."""
        start = time.perf_counter()
        deadline = start + time_limit
        opt = z3.Optimize()
        opt.set("timeout", max(1, int(time_limit * optimize_share * 1000)))
        for key, expr in self.constraints:
            if key not in skip:
                opt.add(expr)
        if upper is not None:
            opt.add(self.total < upper)
        if lower > 0:
            opt.add(self.total >= int(lower))
        opt.minimize(self.total)
        first = opt.check()
        if first == z3.sat:
            it = self._extract(opt.model(), optimal=True)
            return SolveResult("sat", it, seconds=time.perf_counter() - start)
        if first == z3.unsat:
            core = self.unsat_core(skip=skip, time_limit=max(1.0, deadline - time.perf_counter())) \
                if want_core and upper is None else []
            return SolveResult("unsat", core=core, seconds=time.perf_counter() - start)
        return self._bisect(start, deadline, time_limit, skip, upper, lower, want_core)

    def _bisect(self, start: float, deadline: float, time_limit: float, skip: frozenset[str],
                upper: int | None, lower: int, want_core: bool) -> SolveResult:
        s = z3.Solver()
        for key, expr in self.constraints:
            if key not in skip:
                s.add(expr)
        if upper is not None:
            s.add(self.total < upper)

        def check(*extra: z3.BoolRef) -> z3.CheckSatResult:
            left = deadline - time.perf_counter()
            if left <= 0:
                return z3.unknown
            s.set("timeout", max(1, int(left * 1000)))
            return s.check(*extra)

        res = check()
        if res != z3.sat:
            seconds = time.perf_counter() - start
            if res == z3.unknown:
                return SolveResult("unknown", seconds=seconds, message=f"no plan found within {time_limit:g} s")
            core = self.unsat_core(skip=skip, time_limit=max(1.0, deadline - time.perf_counter())) \
                if want_core and upper is None else []
            return SolveResult("unsat", core=core, seconds=time.perf_counter() - start)
        best = s.model()
        hi = best.eval(self.total, model_completion=True).as_long()
        lo = max(0, int(lower))
        optimal = True
        while lo < hi:
            mid = (lo + hi - 1) // 2
            s.push()
            s.add(self.total <= mid)
            res = check()
            if res == z3.sat:
                best = s.model()
                hi = best.eval(self.total, model_completion=True).as_long()
            elif res == z3.unsat:
                lo = mid + 1
            s.pop()
            if res == z3.unknown:
                optimal = False
                break
        it = self._extract(best, optimal=optimal)
        msg = "" if optimal else "time limit reached before optimality was proved"
        return SolveResult("sat", it, seconds=time.perf_counter() - start, message=msg)

    def unsat_core(self, skip: frozenset[str] = frozenset(), time_limit: float = 10.0) -> list[Label]:
        """A minimised set of labels whose constraints together admit no plan."""
        s = z3.Solver()
        s.set("timeout", max(1, int(time_limit * 1000)))
        s.set("core.minimize", True)
        trackers: dict[str, z3.BoolRef] = {}
        for key, expr in self.constraints:
            if key in skip:
                continue
            if key not in trackers:
                trackers[key] = z3.Bool(f"L::{key}")
            s.add(z3.Implies(trackers[key], expr))
        if s.check(*trackers.values()) != z3.unsat:
            return []
        core = {str(c)[3:] for c in s.unsat_core()}
        # deletion-based minimisation over labels
        for key in sorted(core):
            trial = [trackers[k] for k in core if k != key]
            if s.check(*trial) == z3.unsat:
                core.discard(key)
        return [self.labels[k] for k in sorted(core)]

    # ------------------------------------------------------------------ model -> itinerary
    def _place_restaurants(self, used: dict[int, list[Restaurant]], val) -> dict[tuple[int, str], Restaurant]:
        """Which used restaurant serves which meal. The benchmark stops reading a day's meals for
        cuisines at the first one in the home city, so restaurants serving a requested cuisine
        take the meals it reads."""
        wanted = self.spec.local.cuisine or []
        slots: dict[int, list[tuple[bool, int, str]]] = {}
        for d in range(self.spec.days):
            home_before = False
            for s in MEAL_SLOTS:
                i = val(self.slot[(d, s)])
                if i == NONE:
                    continue
                if i == self.ORG:
                    home_before = True
                slots.setdefault(i, []).append((not home_before, d, s))
        out: dict[tuple[int, str], Restaurant] = {}
        for i, taken in slots.items():
            pool = sorted(used[i], key=lambda r: not any(q in ", ".join(r.cuisines) for q in wanted))
            for (_, d, s), r in zip(sorted(taken, key=lambda x: bool(wanted) and not x[0]), pool, strict=False):
                out[(d, s)] = r
        return out

    def _extract(self, m: z3.ModelRef, optimal: bool) -> Itinerary:
        spec = self.spec
        D, K = spec.days, spec.visiting_city_number
        val = lambda e: m.eval(e, model_completion=True).as_long()  # noqa: E731
        names = self.city_names
        route = [val(c) for c in self.city]
        t = [val(x) for x in self.t]
        legs: dict[int, Leg] = {}
        for k in range(K + 1):
            a = self.ORG if k == 0 else route[k - 1]
            b = self.ORG if k == K else route[k]
            cost = val(self.leg_costs[k])
            o, mode, payload = next(x for x in self.leg_options[k] if z3.is_true(m.eval(x[0], model_completion=True)))
            if mode == FLIGHT:
                f = payload
                legs[t[k]] = Leg("flight", names[a], names[b], cost, flight=f, depart=f.dep_minutes, arrive=f.arr_minutes)
            else:
                legs[t[k]] = Leg(MODE_NAMES[mode], names[a], names[b], cost, drive=payload,
                                 depart=val(self.dep[k]), arrive=val(self.arr[k]))
        used = {i: [r for u, r in zip(self.use[i], self.data[i].restaurants, strict=True) if m.eval(u, model_completion=True)]
                for i in range(len(self.data))}
        att_pool = {i: list(self.data[i].attractions) for i in range(len(self.data))}
        for c in spec.extra:
            kind = registry.get(c.type)
            for i in att_pool:
                att_pool[i] = kind.order_attractions(c.value, self, m, i, att_pool[i])
        acc_of = [self.acc_list[val(a)][1] for a in self.acc]
        meal_of = self._place_restaurants(used, val)
        days: list[DayPlan] = []
        for d in range(D):
            k_stay = max(k for k in range(K + 1) if t[k] <= d)
            city = names[self.ORG] if k_stay == K else names[route[k_stay]]
            day = DayPlan(d + 1, spec.dates[d], city, leg=legs.get(d))
            for s in MEAL_SLOTS:
                if (d, s) in meal_of:
                    setattr(day, s, meal_of[(d, s)])
            i = val(self.slot[(d, "attraction")])
            if i != NONE:
                day.attractions.append(att_pool[i].pop(0))
            if d < D - 1:
                day.accommodation = acc_of[k_stay]
            days.append(day)
        for d, day in enumerate(days):  # spare attractions make the free days fuller
            if d not in legs and day.attractions:
                i = names.index(day.city)
                if att_pool[i]:
                    day.attractions.append(att_pool[i].pop(0))
        return Itinerary(days, val(self.total), optimal=optimal)
