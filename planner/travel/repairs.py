"""Verified repairs for a request without a plan, ranked by how little they change.

Candidates: raise the budget to the exact minimum, drop or relax one constraint (house rule,
room type, a cuisine, the transport ban, an extra constraint), move the dates by a day, change
the destination city, travel with one person fewer, and (when no single change works) drop one
constraint and raise the budget together. Each candidate is planned and the plan re-checked by
the evaluator; only verified ones are kept. Ranking: fewest constraints touched, then the
kind of change (relax, then drop or pay, then move the trip, then fewer people), then the smallest
budget increase, then the cheapest plan.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from planner.travel.api import Mode, PlanOutcome, plan_spec, world_for
from planner.travel.database import load_background
from planner.travel.extra import registry
from planner.travel.spec import TripSpec, dates_from
from planner.travel.unsat import Analysis, Reason, analyse, keep_only, user_labels

# among equally small changes: relaxing beats dropping or paying more; moving the trip or
# leaving someone at home come last
KIND_RANK = {"relax_constraint": 0, "drop_constraint": 1, "raise_budget": 1, "shift_dates": 2,
             "change_destination": 2, "reduce_people": 3, "drop_and_raise": 4}
RELAX_ROOM = {"entire room": "not shared room", "private room": "not shared room"}


@dataclass
class Repair:
    """One concrete change to the request, with the verified plan it yields."""

    kind: str  # raise_budget | drop_constraint | relax_constraint | shift_dates | change_destination | reduce_people
    description: str
    spec: TripSpec
    cost: int
    touched: int
    budget_delta: int
    plan: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"kind": self.kind, "description": self.description, "cost": self.cost, "touched": self.touched,
                "budget_delta": self.budget_delta, "spec": self.spec.model_dump(by_alias=True)}


@dataclass
class UnsatReport:
    """Reasons and ranked, verified repairs for one request."""

    status: str
    reasons: list[Reason]
    repairs: list[Repair]
    core: list[str]
    min_cost_without_budget: int | None
    explain_seconds: float
    repair_seconds: float
    minimal: bool = True  # `core` is one conflict, proved minimal

    def to_json(self) -> dict:
        return {"unsat_status": self.status, "reasons": [r.to_json() for r in self.reasons],
                "repairs": [r.to_json() for r in self.repairs], "core": self.core, "minimal": self.minimal,
                "min_cost_without_budget": self.min_cost_without_budget,
                "explain_seconds": round(self.explain_seconds, 3), "repair_seconds": round(self.repair_seconds, 3)}

    def print(self, console) -> None:
        from rich.table import Table

        n = len(self.core)
        if self.minimal and n:
            console.print(f"[bold]why:[/bold] a minimal conflict of {n} constraint{'s' if n > 1 else ''} "
                          f"(without {'any one of them' if n > 1 else 'it'} a plan exists)")
        else:
            console.print("[bold]why:[/bold]")
        for r in self.reasons:
            console.print(f"  - {r.text}")
        if not self.repairs:
            console.print("no verified repair found")
            return
        t = Table(title="verified repairs (apply one with --apply N)")
        for col in ("N", "change", "plan cost", "budget +"):
            t.add_column(col)
        for i, r in enumerate(self.repairs, 1):
            t.add_row(str(i), r.description, f"${r.cost:,}", f"${r.budget_delta:,}" if r.budget_delta else "-")
        console.print(t)


def _label_drop_text(spec: TripSpec, lab: str) -> str:
    lc = spec.local
    if lab == "local.house_rule":
        return f"drop the house rule ({lc.house_rule})"
    if lab == "local.room_type":
        return f"drop the room type ({lc.room_type})"
    if lab.startswith("local.cuisine."):
        return f"drop {lab.rsplit('.', 1)[1]} from the cuisines"
    if lab == "local.transportation":
        return f"drop the transport ban ({lc.transportation})"
    if lab.startswith("extra."):
        c = next(x for x in spec.extra if f"extra.{x.type}" == lab)
        return f"drop '{registry.get(c.type).words(c.value)}'"
    return f"drop {lab}"


def candidate_changes(spec: TripSpec, analysis: Analysis, mode: Mode) -> list[tuple[str, str, TripSpec, int]]:
    """(kind, description, modified spec, constraints touched) for every single change worth trying."""
    out = []
    labels = user_labels(spec)
    if analysis.min_cost_without_budget is not None and analysis.min_cost_without_budget > spec.budget:
        need = analysis.min_cost_without_budget
        out.append(("raise_budget", f"raise the budget to ${need:,} (+${need - spec.budget:,})",
                    spec.model_copy(update={"budget": need}), 1))
    order = [lab for lab in analysis.core if lab in labels and lab != "budget"] + [
        lab for lab in labels if lab not in analysis.core]
    for lab in order:
        if lab == "budget":
            continue
        out.append(("drop_constraint", _label_drop_text(spec, lab), keep_only(spec, set(labels) - {lab})
                    .model_copy(update={"budget": spec.budget}), 1))
    rt = spec.local.room_type
    if rt in RELAX_ROOM:
        local = spec.local.model_copy(update={"room_type": RELAX_ROOM[rt]})
        out.append(("relax_constraint", f"accept any {RELAX_ROOM[rt]} instead of {rt}",
                    spec.model_copy(update={"local": local}), 1))
    for c in spec.extra:
        for text, value in registry.get(c.type).relaxations(c.value):
            if text and value is not None:
                extra = [x if x.type != c.type else x.model_copy(update={"value": value}) for x in spec.extra]
                out.append(("relax_constraint", text, spec.model_copy(update={"extra": extra}), 1))
    for shift in (1, -1):
        start = dt.date.fromisoformat(spec.dates[0]) + dt.timedelta(days=shift)
        out.append(("shift_dates", f"travel one day {'later' if shift > 0 else 'earlier'} "
                    f"({start.isoformat()} to {dates_from(start, spec.days)[-1]})",
                    spec.model_copy(update={"dates": dates_from(start, spec.days)}), 1))
    if spec.people > 1:
        out.append(("reduce_people", f"travel as {spec.people - 1} instead of {spec.people}",
                    spec.model_copy(update={"people": spec.people - 1}), 1))
    bg = load_background()
    if mode == "two-stage" and spec.visiting_city_number == 1 and spec.destination in bg.city_state:
        state = bg.city_state[spec.destination]
        for city in [c for c in bg.cities_of_state(state) if c not in (spec.destination, spec.origin)][:3]:
            out.append(("change_destination", f"go to {city} ({state}) instead of {spec.destination}",
                        spec.model_copy(update={"destination": city}), 1))
    return out


def find_repairs(spec: TripSpec, analysis: Analysis, mode: Mode = "two-stage", reference: dict | None = None,
                 time_limit: float = 10.0, max_repairs: int = 8) -> list[Repair]:
    """Verified repairs, best first."""
    found: list[Repair] = []
    seen: set[str] = set()

    def attempt(kind: str, text: str, new: TripSpec, touched: int) -> PlanOutcome | None:
        key = new.model_dump_json()
        if key in seen:
            return None
        seen.add(key)
        try:
            out = plan_spec(new, mode, reference, time_limit, want_core=False)
        except Exception:  # a change can make the spec invalid (e.g. a city the world lacks)
            return None
        if out.status == "sat" and out.itinerary is not None:
            found.append(Repair(kind, text, new, out.itinerary.total_cost, touched,
                                max(0, new.budget - spec.budget), out.plan))
        return out

    for kind, text, new, touched in candidate_changes(spec, analysis, mode):
        attempt(kind, text, new, touched)
    if not [r for r in found if r.touched == 1]:
        # two changes: drop one constraint and raise the budget to that request's minimum
        labels = user_labels(spec)
        for lab in [x for x in analysis.core if x in labels and x != "budget"] or [x for x in labels if x != "budget"]:
            relaxed = keep_only(spec, set(labels) - {lab, "budget"})  # the cheapest plan at any budget
            free = plan_spec(relaxed, mode, reference, time_limit, want_core=False)
            if free.status == "sat" and free.itinerary is not None:
                need = free.itinerary.total_cost
                attempt("drop_and_raise", f"{_label_drop_text(spec, lab)} and raise the budget to ${need:,}",
                        relaxed.model_copy(update={"budget": max(need, spec.budget)}), 2)
    found.sort(key=lambda r: (r.touched, KIND_RANK.get(r.kind, 9), r.budget_delta, r.cost, r.description))
    return found[:max_repairs]


def explain_and_repair(spec: TripSpec, outcome: PlanOutcome | None = None, mode: Mode = "two-stage",
                       reference: dict | None = None, time_limit: float = 10.0) -> UnsatReport:
    """Reasons (minimal, grounded) and verified repairs for a request without a plan."""
    t0 = time.perf_counter()
    world = world_for(mode, reference)
    analysis = analyse(spec, world, load_background().city_state, time_limit)
    t1 = time.perf_counter()
    repairs = find_repairs(spec, analysis, mode, reference, time_limit) if analysis.status == "unsat" else []
    status = analysis.status
    if outcome is not None and outcome.status == "unknown" and status == "unsat":
        status = "unsat"  # the analysis settled what the first solve could not
    return UnsatReport(status, analysis.reasons, repairs, analysis.core, analysis.min_cost_without_budget,
                       t1 - t0, time.perf_counter() - t1, analysis.minimal and status == "unsat")
