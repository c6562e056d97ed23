"""PDDL generation and solving with the real Fast Downward and pyperplan."""

import pytest

from planner.api.asp import reason
from planner.api.pddl import build_task
from planner.api.pipeline import plan_request
from planner.api.planners import fast_downward_driver, run_fast_downward, run_pyperplan
from planner.api.request import ApiRequest, ProvidedValue


def request():
    return ApiRequest(goals=["itinerary_email"], values=[
        ProvidedValue(type="origin_city", value="Boston"), ProvidedValue(type="destination_city", value="Paris"),
        ProvidedValue(type="departure_date", value="2025-06-03"), ProvidedValue(type="traveler_name", value="Ana")])


def simulate(catalog, req, actions):
    """Replay ground actions: each API's inputs must be known when it runs."""
    known = {v.type for v in req.values}
    asked = []
    for a in actions:
        if a.name == "get_info":
            asked.append(a.args[0].removeprefix("v_"))
            known.add(asked[-1])
            continue
        api = catalog.api_by_name[a.name]
        for need, arg in zip(api.inputs.values(), a.args, strict=True):
            t = arg.removeprefix("v_")
            assert t in known and catalog.satisfies(t, need), (a, t, need)
        known.update(api.outputs.values())
    return known, sorted(asked)


@pytest.mark.parametrize("solver", [run_fast_downward, run_pyperplan])
def test_pddl_round_trip_through_both_planners(travel, solver):
    req = request()
    asp = reason(travel, req)
    task = build_task(travel, req, asp)
    assert "(:action get_info" in task.domain and "destination_city - city" in task.domain
    assert "(askable v_travelers)" in task.problem and "(known v_itinerary_email)" in task.problem
    result = solver(task.domain, task.problem, 20.0)
    assert result.status == "solved", result.message
    known, asked = simulate(travel, req, result.actions)
    assert "itinerary_email" in known
    assert asked == asp.missing
    calls = [a.name for a in result.actions if a.name != "get_info"]
    assert calls.index("create_itinerary") < calls.index("email_itinerary")
    assert calls.index("lookup_airports") < calls.index("search_flights") < calls.index("book_flight")


def test_driver_is_found_inside_the_wheel():
    driver = fast_downward_driver()
    assert driver is not None and driver.name == "fast-downward.py"
    assert "up_fast_downward" in str(driver)


def test_unsolvable_problem_is_reported(travel):
    req = request()
    task = build_task(travel, req, reason(travel, req))
    # without the askable facts the missing inputs cannot be obtained
    init = task.problem[task.problem.index("(:init"): task.problem.index("(:goal")]
    no_asking = task.problem.replace(init, "(:init (known v_origin_city))\n  ")
    for solver in (run_fast_downward, run_pyperplan):
        assert solver(task.domain, no_asking, 20.0).status == "unsolvable"


def hard_task(n: int):
    """Toggles multiply the state space; q needs a and b, which exclude each other."""
    preds = " ".join(f"(p{i})" for i in range(n))
    acts = "".join(
        f"(:action on{i} :parameters () :precondition (and) :effect (and (p{i})))"
        f"(:action off{i} :parameters () :precondition (and (p{i})) :effect (and (not (p{i}))))" for i in range(n))
    domain = (f"(define (domain hard) (:requirements :strips) (:predicates {preds} (a) (b) (q))"
              "(:action seta :parameters () :precondition (and) :effect (and (a) (not (b))))"
              "(:action setb :parameters () :precondition (and) :effect (and (b) (not (a))))"
              "(:action win :parameters () :precondition (and (a) (b)) :effect (and (q)))" + acts + ")")
    problem = "(define (problem h) (:domain hard) (:init) (:goal (and (q) " + " ".join(f"(p{i})" for i in range(n)) + ")))"
    return domain, problem


def test_fast_downward_time_limit_gives_clean_timeout():
    domain, problem = hard_task(30)
    result = run_fast_downward(domain, problem, time_limit=1.0, search="astar(blind())")
    assert result.status == "timeout"
    assert result.seconds < 6.0
    assert "no plan within 1 s" in result.message


def test_pyperplan_time_limit_gives_clean_timeout():
    domain, problem = hard_task(30)
    result = run_pyperplan(domain, problem, time_limit=1.0)
    assert result.status == "timeout"
    assert result.seconds < 3.0


def test_pipeline_reports_timeout_as_plan_status(travel, monkeypatch):
    import planner.api.pipeline as pipeline

    real_solve = pipeline.solve

    def slow_solve(domain, problem, planner, time_limit, fd_search):
        hard_domain, hard_problem = hard_task(30)
        return real_solve(hard_domain, hard_problem, "fast-downward", 1.0, "astar(blind())")

    monkeypatch.setattr(pipeline, "solve", slow_solve)
    plan, _, _ = plan_request(travel, request())
    assert plan.status == "timeout" and plan.steps == []
