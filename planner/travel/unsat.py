"""Why a request has no plan: a minimal conflict, a few constraints said in words.

Every constraint of the encoding carries a label. The labels a user can change (the budget,
each local constraint, each extra constraint) are the candidates for a reason; the rules of how
any plan works (slots, completeness, the route's shape) are background, never a reason; the
rest are facts of the data, grouped by what they say (getting there, getting back, moving
between cities, accommodation, minimum nights, restaurants, attractions, enough cities).
A deletion-based search finds a minimal unsatisfiable subset (MUS) of the user labels, asking
the z3 planner (with the budget as an exact cost bound) whether each subset still has no plan.
When the trip is impossible even without any user constraint, z3's unsat core over the fact
groups is shrunk by deletion to a minimal one. Each member of the conflict is then worded with
numbers looked up in the world: cheapest cost, listings, routes, restaurants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.travel.database import World
from planner.travel.encoding import TravelEncoding, candidate_cities
from planner.travel.evaluation import ROOM_TYPE_OK
from planner.travel.extra import registry
from planner.travel.solver import plan_trip
from planner.travel.spec import TripSpec

NO_BUDGET = 10**9
ROOM_WORDS = {"entire room": "entire-home", "private room": "private-room", "shared room": "shared-room",
              "not shared room": "non-shared"}


@dataclass
class Reason:
    """One user-level reason, worded for a person; `labels` are the constraint labels behind it."""

    kind: str
    text: str
    labels: list[str] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"kind": self.kind, "text": self.text, "labels": self.labels, "numbers": self.numbers}


@dataclass
class Analysis:
    status: str  # "unsat" or "unknown"
    reasons: list[Reason]
    core: list[str]  # the conflict: user labels, or fact groups when the bare trip is impossible
    min_cost_without_budget: int | None = None
    seconds: float = 0.0
    minimal: bool = True  # the core is one conflict, proved minimal (dropping any member leaves a plan)


def user_labels(spec: TripSpec) -> list[str]:
    """Labels of the constraints the user stated (budget first)."""
    out = ["budget"]
    lc = spec.local
    if lc.house_rule:
        out.append("local.house_rule")
    if lc.room_type:
        out.append("local.room_type")
    for q in lc.cuisine or []:
        out.append(f"local.cuisine.{q}")
    if lc.transportation:
        out.append("local.transportation")
    out += [f"extra.{c.type}" for c in spec.extra]
    return out


def keep_only(spec: TripSpec, labels: set[str]) -> TripSpec:
    """`spec` with every user constraint whose label is not in `labels` removed."""
    lc = spec.local
    local = lc.model_copy(update={
        "house_rule": lc.house_rule if "local.house_rule" in labels else None,
        "room_type": lc.room_type if "local.room_type" in labels else None,
        "cuisine": [q for q in lc.cuisine or [] if f"local.cuisine.{q}" in labels] or None,
        "transportation": lc.transportation if "local.transportation" in labels else None,
    })
    extra = [c for c in spec.extra if f"extra.{c.type}" in labels]
    return spec.model_copy(update={"local": local, "extra": extra,
                                   "budget": spec.budget if "budget" in labels else NO_BUDGET})


class Unknown(Exception):
    """The solver hit its time limit."""


class CostOracle:
    """Cheapest plan cost under a subset of the user constraints (None: no plan at all)."""

    def __init__(self, spec: TripSpec, world: World, known: dict[str, str], time_limit: float) -> None:
        self.spec, self.world, self.known, self.time_limit = spec, world, known, time_limit
        self.cache: dict[frozenset[str], int | None] = {}
        self.calls = 0

    def min_cost(self, labels: frozenset[str]) -> int | None:
        key = frozenset(labels - {"budget"})
        if key not in self.cache:
            self.calls += 1
            res = plan_trip(keep_only(self.spec, set(key)), self.world, self.known, self.time_limit,
                            want_core=False)
            if res.status == "unknown":
                raise Unknown(res.message)
            self.cache[key] = res.itinerary.total_cost if res.status == "sat" and res.itinerary else None
        return self.cache[key]

    def infeasible(self, labels: frozenset[str]) -> bool:
        cost = self.min_cost(labels)
        return cost is None or ("budget" in labels and cost > self.spec.budget)


def analyse(spec: TripSpec, world: World, known: dict[str, str], time_limit: float = 10.0) -> Analysis:
    """A minimal set of reasons why `spec` has no plan in `world`."""
    import time

    start = time.perf_counter()
    oracle = CostOracle(spec, world, known, time_limit)
    labels = user_labels(spec)
    try:
        if oracle.infeasible(frozenset()):
            groups, minimal = structural_core(spec, world, known, time_limit)
            reasons = [structural_reason(spec, world, known, g) for g in groups] or [shape_reason(spec, world, known)]
            return Analysis("unsat", reasons, groups, None, time.perf_counter() - start, minimal)
        if not oracle.infeasible(frozenset(labels)):
            return Analysis("sat", [], [], oracle.min_cost(frozenset(labels)), time.perf_counter() - start)
        rest = [x for x in labels if x != "budget"]
        minimal = True
        if oracle.min_cost(frozenset(rest)) is None:
            # no plan at any price: name what blocks it, then judge the budget with that dropped
            conflicts, remaining = blocking_labels(oracle, rest)
            blocked = [lab for c in conflicts for lab in c]
            relaxed_cost = oracle.min_cost(frozenset(remaining))
            over = relaxed_cost is not None and relaxed_cost > spec.budget
            mus = blocked + (["budget"] if over else [])
            minimal = len(conflicts) == 1 and not over  # else several conflicts, each minimal
        elif oracle.infeasible(frozenset({"budget"})):
            mus = ["budget"]  # even the bare trip costs more than the budget: nothing else matters
        else:
            mus = list(labels)
            for lab in list(mus) if len(mus) > 1 else []:  # deletion: keep a label only if the rest has a plan
                trial = frozenset(x for x in mus if x != lab)
                if oracle.infeasible(trial):
                    mus.remove(lab)
        without_budget = oracle.min_cost(frozenset(labels) - {"budget"})
        reasons = user_reasons(spec, world, known, mus, oracle)
        return Analysis("unsat", reasons, mus, without_budget, time.perf_counter() - start, minimal)
    except Unknown as exc:
        return Analysis("unknown", [Reason("unknown", f"the solver reached its time limit ({exc}); "
                                           "no reason could be established")], [], None,
                        time.perf_counter() - start)


def blocking_labels(oracle: CostOracle, rest: list[str]) -> tuple[list[list[str]], list[str]]:
    """Split `rest` (no plan at any price) into conflicts and the remainder that has a plan.

    The conflicts are minimal subsets without a plan, found one after the other by deletion
    until the remaining labels admit a plan (the bare trip does, so this ends).
    """
    blocked: list[list[str]] = []
    remaining = list(rest)
    while oracle.min_cost(frozenset(remaining)) is None:
        mus = list(remaining)
        for lab in list(mus) if len(mus) > 1 else []:
            if oracle.min_cost(frozenset(x for x in mus if x != lab)) is None:
                mus.remove(lab)
        blocked.append(mus)
        remaining = [x for x in remaining if x not in mus]
    return blocked, remaining


# labels that say how any plan works or what shape the request has (its days, its number of
# distinct cities), not what the data holds: background, never a member of a conflict
MODEL_RULES = ("route.cities", "route.days", "route.order", "slots.placement", "timing.slots", "completeness.half",
               "transport.mix", "dominance")


def fact_group(spec: TripSpec, key: str) -> str | None:
    """The fact group of a label (None: a model rule or a user constraint)."""
    if key in MODEL_RULES or key == "budget" or key.startswith(("local.", "extra.")):
        return None
    if key.startswith("leg"):
        k = int(key[3:].split(".")[0])
        return "transport.out" if k == 0 else "transport.back" if k == spec.visiting_city_number else "transport.between"
    if key.startswith("acc") and key.endswith(".exists"):
        return "accommodation"
    if key == "accommodation.min_nights":
        return "min_nights"
    if key.startswith("restaurants."):
        return "restaurants"
    if key.startswith("attractions."):
        return "attractions"
    return key  # route.cities and any later fact label stand alone


def structural_core(spec: TripSpec, world: World, known: dict[str, str], time_limit: float) -> tuple[list[str], bool]:
    """A minimal set of fact groups that admit no plan together with the model's rules (z3's
    unsat core over the groups, shrunk by deletion), and whether its minimality was proved
    (a deletion check that ran out of time keeps its group)."""
    import z3

    enc = TravelEncoding(keep_only(spec, set()), world, known)
    s = z3.Solver()
    s.set("timeout", max(1, int(time_limit * 1000)))
    trackers: dict[str, z3.BoolRef] = {}
    for key, expr in enc.constraints:
        if key == "budget" or key.startswith(("local.", "extra.")):
            continue
        group = fact_group(spec, key)
        if group is None:
            s.add(expr)
            continue
        if group not in trackers:
            trackers[group] = z3.Bool(f"G::{group}")
        s.add(z3.Implies(trackers[group], expr))
    if s.check(*trackers.values()) != z3.unsat:
        return [], False
    core = {str(c)[3:] for c in s.unsat_core()}
    minimal = True
    for group in sorted(core):
        verdict = s.check(*[trackers[g] for g in core if g != group])
        if verdict == z3.unsat:
            core.discard(group)
        elif verdict == z3.unknown:
            minimal = False
    return sorted(core), minimal


# ---------------------------------------------------------------------------- wording
def _money(x: float) -> str:
    return f"${int(x):,}"


def _dest_cities(spec: TripSpec, world: World, known: dict[str, str]) -> list[str]:
    return candidate_cities(spec, world, known)


def _listings(spec: TripSpec, world: World, city: str, rule: str | None, rtype: str | None):
    return [a for a in world.accommodations(city)
            if (not rule or f"No {rule}" not in a.house_rules) and (not rtype or ROOM_TYPE_OK[rtype](a.room_type))]


def _where(cities: list[str]) -> str:
    return cities[0] if len(cities) == 1 else f"the {len(cities)} candidate cities"


def user_reasons(spec: TripSpec, world: World, known: dict[str, str], mus: list[str],
                 oracle: CostOracle) -> list[Reason]:
    reasons: list[Reason] = []
    cities = _dest_cities(spec, world, known)
    local = [m for m in mus if m != "budget"]
    everything_else = frozenset(user_labels(spec)) - {"budget"}
    if "budget" in mus and oracle.min_cost(everything_else) is None:
        # the other labels in `mus` rule out any plan; the budget is judged with them dropped
        reasons = user_reasons(spec, world, known, local, oracle)
        cost = oracle.min_cost(everything_else - set(local))
        assert cost is not None  # blocking_labels guarantees a plan once the blocking labels are dropped
        dropped = ", ".join(_label_words(spec, lab) for lab in local)
        reasons.append(Reason("budget", f"even without {dropped}, the cheapest itinerary costs {_money(cost)}, "
                              f"{_money(cost - spec.budget)} over the {_money(spec.budget)} budget",
                              ["budget"], {"min_cost": cost, "budget": spec.budget, "over_by": cost - spec.budget,
                                           "without": local}))
        return reasons
    if "budget" in mus:
        cost = oracle.min_cost(everything_else)
        text = (f"the cheapest itinerary that meets everything else costs {_money(cost)}, "
                f"{_money(cost - spec.budget)} over the {_money(spec.budget)} budget")
        for lab in local:
            cheaper = oracle.min_cost(frozenset(user_labels(spec)) - {"budget", lab})
            if cheaper is not None:
                text += f"; without {_label_words(spec, lab)} it would cost {_money(cheaper)}"
        reasons.append(Reason("budget", text, ["budget", *local],
                              {"min_cost": cost, "budget": spec.budget, "over_by": cost - spec.budget}))
        return reasons
    # no plan at any price: explain the clashing local constraints with the data
    lc = spec.local
    acc_labels = [m for m in local if m in ("local.house_rule", "local.room_type")]
    if acc_labels:
        rule = lc.house_rule if "local.house_rule" in acc_labels else None
        rtype = lc.room_type if "local.room_type" in acc_labels else None
        kind_words = ROOM_WORDS.get(rtype or "", "") + (" listing" if rtype else "listing")
        rule_words = f" allows {rule}" if rule else ""
        have = {c: _listings(spec, world, c, rule, rtype) for c in cities}
        ok = [c for c, v in have.items() if v]
        if not ok:
            text = f"no {kind_words.strip()} in {_where(cities)}{rule_words}"
            if rtype and not rule:
                text = (f"{cities[0]} has no {kind_words.strip()}s" if len(cities) == 1 else
                        f"none of the {len(cities)} candidate cities has a {kind_words.strip()}")
        elif len(ok) < spec.visiting_city_number:
            text = (f"only {len(ok)} of the {len(cities)} cities in {spec.destination} have a {kind_words.strip()}"
                    f"{rule_words}; {spec.visiting_city_number} are needed")
        else:
            shortest = min(a.min_nights for c in ok for a in have[c])
            text = (f"every {kind_words.strip()}{' that' + rule_words if rule else ''} in {_where(ok)} needs at least "
                    f"{shortest} nights, longer than the stay allows")
        reasons.append(Reason("accommodation", text, acc_labels, {"cities": ok}))
    for lab in local:
        if lab.startswith("local.cuisine."):
            q = lab.rsplit(".", 1)[1]
            serving = [c for c in cities if any(q in ", ".join(r.cuisines) for r in world.restaurants(c))]
            text = (f"no restaurant in {_where(cities)} serves {q} food" if not serving else
                    f"{q} food is served only in {', '.join(serving)}, which the rest of the request rules out")
            reasons.append(Reason("cuisine", text, [lab], {"cuisine": q, "cities": serving}))
        elif lab == "local.transportation":
            reasons.append(transport_reason(spec, world, cities, [lab]))
        elif lab.startswith("extra."):
            c = next(x for x in spec.extra if f"extra.{x.type}" == lab)
            reasons.append(Reason("extra", registry.get(c.type).explain(c.value, spec, world, cities), [lab]))
    return reasons or [Reason("combination", "these constraints admit no plan together: "
                              + ", ".join(_label_words(spec, m) for m in mus), mus)]


def transport_reason(spec: TripSpec, world: World, cities: list[str], labels: list[str]) -> Reason:
    ban = spec.local.transportation
    other = "flights" if ban == "no flight" else "self-driving"
    missing = []
    legs = [(spec.origin, c, spec.dates[0]) for c in cities] + [(c, spec.origin, spec.dates[-1]) for c in cities]
    for a, b, day in legs:
        drive = world.drive(a, b)
        flights = world.flights(a, b, day)
        if ban == "no flight" and drive is None:
            missing.append(f"no driving route from {a} to {b}")
        elif ban == "no self-driving" and drive is None and not flights:
            missing.append(f"no flight and no driving route from {a} to {b} on {day}")
    if len(cities) == 1 and missing:
        text = "; ".join(dict.fromkeys(missing)) + f" when {other} are excluded"
    elif missing:
        text = f"with {other} excluded, {spec.origin} cannot reach enough cities of {spec.destination} by road"
    else:
        text = f"with {other} excluded, no combination of legs connects the route on its dates"
    return Reason("transport", text, labels, {"legs": missing})


def _label_words(spec: TripSpec, lab: str) -> str:
    lc = spec.local
    if lab == "local.house_rule":
        return f"the house rule ({lc.house_rule})"
    if lab == "local.room_type":
        return f"the room type ({lc.room_type})"
    if lab.startswith("local.cuisine."):
        return f"{lab.rsplit('.', 1)[1]} cuisine"
    if lab == "local.transportation":
        return f"the ban ({lc.transportation})"
    if lab == "budget":
        return "the budget"
    if lab.startswith("extra."):
        return lab.split(".", 1)[1].replace("_", " ")
    return lab


def shape_reason(spec: TripSpec, world: World, known: dict[str, str]) -> Reason:
    """Why the request's shape alone admits no plan."""
    cities = _dest_cities(spec, world, known)
    if len(cities) < spec.visiting_city_number:
        return Reason("route", f"only {len(cities)} cities of {spec.destination} are in the database; "
                      f"{spec.visiting_city_number} were requested", ["route.cities"], {"known": len(cities)})
    return Reason("route", f"a {spec.days}-day trip visiting {spec.visiting_city_number} cities admits no plan "
                  "under the benchmark's rules", ["route.days"])


def structural_reason(spec: TripSpec, world: World, known: dict[str, str], group: str) -> Reason:
    """One fact group of a conflict, in words, with the data behind it."""
    cities = _dest_cities(spec, world, known)
    K = spec.visiting_city_number
    if group in ("transport.out", "transport.back"):
        out = group == "transport.out"
        day = spec.dates[0] if out else spec.dates[-1]
        ends = [(spec.origin, c) if out else (c, spec.origin) for c in cities]
        if len(ends) == 1:
            a, b = ends[0]
            return Reason("transport", f"no flight and no driving route from {a} to {b} on {day}", [group],
                          {"from": a, "to": b, "date": day})
        return Reason("transport", f"no flight and no driving route {'from' if out else 'back to'} {spec.origin} "
                      f"{'to' if out else 'from'} any city of {spec.destination} on {day}", [group])
    if group == "transport.between":
        return Reason("transport", f"no flight or driving route links the cities of {spec.destination} "
                      "on any day of the trip", [group])
    if group == "accommodation":
        empty = [c for c in cities if not world.accommodations(c)]
        return Reason("accommodation", f"no accommodation is listed in {', '.join(empty) or _where(cities)}",
                      [group], {"cities": empty})
    if group == "min_nights":
        longest = spec.days - K
        mins = {c: min((a.min_nights for a in world.accommodations(c)), default=0) for c in cities}
        strict = {c: n for c, n in mins.items() if n > longest}
        c = max(mins, key=lambda x: mins[x]) if mins else spec.destination
        where = ", ".join(f"{x} ({n})" for x, n in sorted(strict.items())[:4]) or f"{c} ({mins.get(c, 0)})"
        return Reason("min_nights", f"the listings' minimum nights exceed the stay: at least {where} nights "
                      f"where a stay lasts at most {longest}", [group], {"min_nights": strict or mins})
    if group == "restaurants":
        need = 3 * (spec.days - K)
        return Reason("restaurants", f"{_where(cities)} {'has' if len(cities) == 1 else 'have'} too few "
                      f"restaurants for up to {need} distinct meals",
                      [group], {"needed": need})
    if group == "attractions":
        return Reason("attractions", f"{_where(cities)} {'has' if len(cities) == 1 else 'have'} too few "
                      "attractions for the full days", [group])
    return Reason("route", group.replace("_", " "), [group])
