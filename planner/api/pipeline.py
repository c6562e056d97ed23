"""The API planner end to end: request facts -> clingo -> PDDL -> classical planner -> ApiPlan."""

from __future__ import annotations

import time

from planner.api.asp import AspResult, reason
from planner.api.catalog import Catalog
from planner.api.pddl import PddlTask, build_task
from planner.api.plan import ApiPlan, steps_from_actions
from planner.api.planners import DEFAULT_FD_SEARCH, PlannerName, solve
from planner.api.request import ApiRequest
from planner.api.roles import role_view


def plan_request(
    catalog: Catalog,
    request: ApiRequest,
    planner: PlannerName = "auto",
    time_limit: float = 10.0,
    fd_search: str = DEFAULT_FD_SEARCH,
) -> tuple[ApiPlan, PddlTask | None, AspResult]:
    """Plan a structured request; returns the plan, the PDDL task (if one was built) and clingo's view.

    Inputs are bound by role (:func:`roles.role_view`): a value given for one role does not fill
    another role's input of the same supertype; such an input is asked instead."""
    t0 = time.perf_counter()
    catalog, separated = role_view(catalog, request)
    asp = reason(catalog, request)
    timings = {"asp": time.perf_counter() - t0}
    base = dict(
        request=request,
        catalog=catalog.name,
        missing=asp.missing,
        reachable_goals=asp.reachable_goals,
        unreachable=asp.unreachable,
        notes=separated,
    )
    if not request.goals:
        return ApiPlan(**base, status="no_reachable_goal", message="the request names no goal the catalog knows", timings=timings), None, asp
    if not asp.reachable_goals:
        msg = "no goal is reachable: " + "; ".join(asp.unreachable.values())
        return ApiPlan(**base, status="no_reachable_goal", message=msg, timings=timings), None, asp
    if not asp.goal_outputs:
        return ApiPlan(**base, status="nothing_to_do", message="the request already gives every goal", timings=timings), None, asp
    t1 = time.perf_counter()
    task = build_task(catalog, request, asp)
    timings["pddl"] = time.perf_counter() - t1
    result = solve(task.domain, task.problem, planner, time_limit, fd_search)
    timings["planner"] = result.seconds
    if result.status != "solved":
        status = "timeout" if result.status == "timeout" else "failed"
        return ApiPlan(**base, status=status, planner=result.planner, message=result.message, timings=timings), task, asp
    steps = steps_from_actions(catalog, request, result.actions)
    status = "partial" if asp.unreachable else "planned"
    timings["total"] = time.perf_counter() - t0
    return ApiPlan(**base, status=status, steps=steps, planner=result.planner, message=result.message, timings=timings), task, asp
