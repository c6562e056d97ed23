"""PDDL generation: APIs become actions over typed ``known`` facts, a request becomes a problem.

Each catalog type is a PDDL type (``is_a`` becomes the PDDL type hierarchy) with one constant
``v_<type>`` standing for "the value of that type". An API action takes one parameter per input,
typed by the input type, so any known value of that type or a subtype can fill it; the chosen
object is the argument binding. ``get_info ?t`` asks the user for a value, allowed only for the
types clingo marked missing (``askable`` in the problem).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.api.asp import AspResult
from planner.api.catalog import ApiSpec, Catalog
from planner.api.request import ApiRequest

GET_INFO = "get_info"


@dataclass(frozen=True)
class PddlTask:
    """A domain and a problem, as PDDL text, plus the APIs the domain holds."""

    domain: str
    problem: str
    apis: tuple[str, ...]


def const(type_name: str) -> str:
    return f"v_{type_name}"


def relevant_apis(catalog: Catalog, asp: AspResult) -> list[ApiSpec]:
    """Runnable APIs that can contribute to a reachable goal (backward relevance)."""
    runnable = set(asp.runnable_apis)
    needed = set(asp.reachable_goals)
    chosen: dict[str, ApiSpec] = {}
    changed = True
    while changed:
        changed = False
        for api in catalog.apis:
            if api.name in chosen or api.name not in runnable:
                continue
            if any(catalog.satisfies(o, t) for o in api.outputs.values() for t in needed) or any(
                api.name in catalog.api_by_name[c].requires for c in chosen
            ):
                chosen[api.name] = api
                needed.update(api.inputs.values())
                changed = True
    return [a for a in catalog.apis if a.name in chosen]


def _action(catalog: Catalog, api: ApiSpec) -> str:
    params = " ".join(f"?{p} - {t}" for p, t in api.inputs.items())
    pre = [f"(known ?{p})" for p in api.inputs] + [f"(called_{r})" for r in api.requires]
    eff = [f"(known {const(t)})" for t in api.outputs.values()] + [f"(called_{api.name})"]
    return (
        f"  (:action {api.name}\n"
        f"    :parameters ({params})\n"
        f"    :precondition (and {' '.join(pre)})\n"
        f"    :effect (and {' '.join(eff)}))"
    )


def build_domain(catalog: Catalog, apis: list[ApiSpec]) -> str:
    """The PDDL domain: the catalog's type hierarchy, one action per API, and get_info."""
    types = " ".join(f"{t.name} - {t.is_a or 'vtype'}" for t in catalog.types)
    consts = " ".join(f"{const(t.name)} - {t.name}" for t in catalog.types)
    called = " ".join(f"(called_{a.name})" for a in apis)
    actions = "\n".join(_action(catalog, a) for a in apis)
    return (
        f"(define (domain api_{catalog.name})\n"
        "  (:requirements :strips :typing)\n"
        f"  (:types vtype - object {types})\n"
        f"  (:constants {consts})\n"
        f"  (:predicates (known ?v - vtype) (askable ?v - vtype) {called})\n"
        f"  (:action {GET_INFO}\n"
        "    :parameters (?v - vtype)\n"
        "    :precondition (and (askable ?v))\n"
        "    :effect (and (known ?v)))\n"
        f"{actions}\n)\n"
    )


def build_problem(catalog: Catalog, request: ApiRequest, asp: AspResult) -> str:
    """The PDDL problem: what the user gave, what may be asked, and the goal outputs."""
    init = [f"(known {const(t)})" for t in dict.fromkeys(request.known_types())]
    init += [f"(askable {const(t)})" for t in asp.missing]
    goals = [f"(known {const(o)})" for o in dict.fromkeys(asp.goal_outputs.values())]
    return (
        f"(define (problem request) (:domain api_{catalog.name})\n"
        f"  (:init {' '.join(init)})\n"
        f"  (:goal (and {' '.join(goals)})))\n"
    )


def build_task(catalog: Catalog, request: ApiRequest, asp: AspResult) -> PddlTask:
    apis = relevant_apis(catalog, asp)
    return PddlTask(build_domain(catalog, apis), build_problem(catalog, request, asp), tuple(a.name for a in apis))
