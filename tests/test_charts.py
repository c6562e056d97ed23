"""planner/charts.py: a trip's day costs add up to the solver's total and draw to a PNG; an API
plan becomes a dataflow graph whose edges follow its bindings; `plan travel --chart` writes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.errors import ProofplanError
from planner.api.catalog import load_catalog
from planner.api.extractor import extract
from planner.api.pipeline import plan_request
from planner.charts import dataflow_graph, day_costs, draw_dataflow, draw_travel_costs
from planner.travel.api import plan_text

PNG = b"\x89PNG\r\n\x1a\n"
TRIP = ("Please help me plan a trip from St. Petersburg to Rockford spanning 3 days from March 16th to "
        "March 18th, 2022. The travel should be planned for 3 people with a budget of $5,000.")


@pytest.fixture(scope="module")
def trip():
    outcome = plan_text(TRIP)
    assert outcome.status == "sat"
    return outcome


def test_day_costs_add_up_to_the_total(trip, tmp_path: Path) -> None:
    costs = day_costs(trip.itinerary, trip.spec.people)
    assert [c.day for c in costs] == [1, 2, 3]
    assert sum(c.total for c in costs) == trip.itinerary.total_cost
    assert costs[0].transport > 0 and costs[-1].accommodation == 0  # no night after the flight home
    picture = draw_travel_costs(trip.itinerary, trip.spec.people, trip.spec.budget, tmp_path / "c.png")
    assert picture.read_bytes().startswith(PNG)


def test_dataflow_graph_follows_bindings(tmp_path: Path) -> None:
    shop = load_catalog("shopping")
    plan, _, _ = plan_request(shop, extract(shop, "Please place the order for a yoga mat under $40, "
                                                  "2 units, ship to 12 Oak Street."))
    g = dataflow_graph(plan)
    step = {s.api or "get_info": f"step:{s.index}" for s in plan.steps}
    assert set(g.predecessors(step["checkout"])) == {step["get_info"], step["add_to_cart"], step["validate_address"]}
    assert list(g.predecessors(step["search_products"])) == ["user:product_name"]
    assert list(g.predecessors("goal:order_confirmation")) == [step["checkout"]]
    assert draw_dataflow(plan, tmp_path / "d.png").read_bytes().startswith(PNG)
    with pytest.raises(ProofplanError, match="use a .png"):
        draw_dataflow(plan, tmp_path / "d.txt")


def test_plan_travel_chart_cli(tmp_path: Path) -> None:
    target = tmp_path / "trip.png"
    out = subprocess.run([sys.executable, "-m", "proofplan.cli", "plan", "travel", "--json", "--chart",
                          str(target), TRIP], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert target.read_bytes().startswith(PNG) and target.stat().st_size > 5_000


def test_search_tree_drawing_marks_the_proof_path(tmp_path: Path) -> None:
    import math

    from prover.coq import CoqEnv
    from prover.env import Theorem
    from prover.models.generators.simple import FixedTacticsGenerator
    from prover.search.best_first import BestFirstSearch, SearchConfig, draw_tree

    tactics = ("intros.", "destruct H.", "split.", "assumption.")
    with CoqEnv() as env:
        result = BestFirstSearch(env, FixedTacticsGenerator(tactics), SearchConfig(k=4, time_limit=30)).prove(
            Theorem("and_swap", "forall (P Q : Prop), P /\\ Q -> Q /\\ P"))
    assert result.proved
    svg = draw_tree(result.tree, tmp_path / "tree.svg").read_text()
    assert "stroke: #2ca02c; stroke-width: 3" in svg  # the proof path: thick green edges
    assert f"({-math.log(len(tactics)):.2f})" in svg  # edge labels carry the tactic's log-prob
