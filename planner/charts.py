"""Pictures of the planners' answers: a trip's day-by-day costs against its budget, and an API
plan as a dataflow graph (values flow from the request, get_info answers and earlier calls into
later calls). Both write an image file (png/svg/pdf, by the path's suffix) with matplotlib's
non-interactive backend and return the path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from common.errors import ProofplanError
from planner.api.plan import ApiPlan
from planner.travel.plan_format import Itinerary


@dataclass(frozen=True)
class DayCost:
    """What one day of an itinerary costs the whole party, by kind."""

    day: int
    date: str
    transport: int
    meals: int
    accommodation: int

    @property
    def total(self) -> int:
        return self.transport + self.meals + self.accommodation


def day_costs(itinerary: Itinerary, people: int) -> list[DayCost]:
    """Per-day costs as the benchmark counts them: a leg's cost is for the party, meals are per
    person, a night costs ``price * ceil(people / max_occupancy)``."""
    out = []
    for d in itinerary.days:
        meals = sum(r.cost * people for r in (d.breakfast, d.lunch, d.dinner) if r is not None)
        night = d.accommodation.nightly_cost(people) if d.accommodation is not None else 0
        out.append(DayCost(d.day, d.date, d.leg.cost if d.leg else 0, meals, night))
    return out


IMAGE_SUFFIXES = (".png", ".svg", ".pdf")


def _image_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise ProofplanError(f"cannot draw to {path}: use a {', '.join(IMAGE_SUFFIXES)} file name")
    if not path.parent.is_dir():
        raise ProofplanError(f"cannot draw to {path}: folder {path.parent} does not exist")
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_travel_costs(itinerary: Itinerary, people: int, budget: float, path: str | Path,
                      title: str = "") -> Path:
    """Stacked bars of each day's transport, meals and accommodation, with the running total
    as a line and the budget as a dashed line."""
    path = _image_path(path)
    plt = _pyplot()
    costs = day_costs(itinerary, people)
    xs = list(range(len(costs)))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(costs) + 3), 4.0))
    bottom = [0] * len(costs)
    for name, color in (("transport", "#1f77b4"), ("meals", "#ff7f0e"), ("accommodation", "#2ca02c")):
        values = [getattr(c, name) for c in costs]
        ax.bar(xs, values, bottom=bottom, color=color, label=name, width=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    running, total = [], 0
    for c in costs:
        total += c.total
        running.append(total)
    ax.plot(xs, running, marker="o", color="black", label="running total")
    ax.axhline(budget, color="#d62728", linestyle="--", label=f"budget \\${budget:,.0f}")
    ax.set_xticks(xs, [f"day {c.day}\n{c.date}" for c in costs], fontsize=8)
    ax.set_ylabel("US dollars")
    ax.set_ylim(0, max(budget, total) * 1.15)
    ax.set_title(title or f"Day-by-day cost: \\${total:,} of \\${budget:,.0f}")
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def dataflow_graph(plan: ApiPlan) -> nx.DiGraph:
    """The plan as a graph: one node per request value (``user:TYPE``) and per step
    (``step:N``, attribute ``kind`` call/get_info), an edge per input binding labelled with the
    parameter and its type, and one node per goal (``goal:TYPE``) fed by the step producing it."""
    g = nx.DiGraph(catalog=plan.catalog, status=plan.status)
    for v in plan.request.values:
        g.add_node(f"user:{v.type}", kind="user", label=f"{v.type}\n{v.value!r}"[:40])
    producer: dict[str, str] = {f"{v.type}": f"user:{v.type}" for v in plan.request.values}
    for step in plan.steps:
        node = f"step:{step.index}"
        if step.kind == "get_info":
            g.add_node(node, kind="get_info", label=f"{step.index}. get_info\n{step.asks}")
            producer[step.asks or ""] = node
            continue
        g.add_node(node, kind="call", label=f"{step.index}. {step.api}")
        for param, b in step.inputs.items():
            if b.source == "user":
                src = f"user:{b.type}"
                if src not in g:
                    g.add_node(src, kind="user", label=f"{b.type}\n{b.value!r}"[:40])
            elif b.source == "step":
                src = f"step:{b.step}"
            else:
                src = next((f"step:{s.index}" for s in plan.steps if s.kind == "get_info" and s.asks == b.type),
                           f"user:{b.type}")
            g.add_edge(src, node, label=f"{param}: {b.type}" if param != b.type else param)
        for out_type in step.outputs.values():
            producer[out_type] = node
    for goal in plan.request.goals:
        src = producer.get(goal)
        if src is not None:
            g.add_node(f"goal:{goal}", kind="goal", label=f"goal\n{goal}")
            g.add_edge(src, f"goal:{goal}", label="")
    return g


def draw_dataflow(plan: ApiPlan, path: str | Path) -> Path:
    """Draw :func:`dataflow_graph` left to right: request values, get_info questions, API calls
    and goals in different colours, edges labelled with the parameter they bind."""
    path = _image_path(path)
    plt = _pyplot()
    g = dataflow_graph(plan)
    for layer, nodes in enumerate(nx.topological_generations(g)):  # layer = longest path from a source
        for n in nodes:
            g.nodes[n]["layer"] = layer
    pos = nx.multipartite_layout(g, subset_key="layer") if g.number_of_nodes() else {}
    colors = {"user": "#aec7e8", "get_info": "#ffbb78", "call": "#98df8a", "goal": "#ff9896"}
    width = 3.0 + 2.2 * (max((d["layer"] for _, d in g.nodes(data=True)), default=0) + 1)
    fig, ax = plt.subplots(figsize=(width, 4.5))
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=2600, node_shape="s",
                           node_color=[colors[g.nodes[n]["kind"]] for n in g.nodes])
    nx.draw_networkx_labels(g, pos, labels={n: g.nodes[n]["label"] for n in g.nodes}, ax=ax, font_size=7)
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=14, node_size=2600, node_shape="s")
    nx.draw_networkx_edge_labels(g, pos, edge_labels={(u, v): d["label"] for u, v, d in g.edges(data=True)},
                                 ax=ax, font_size=6)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=k) for k, c in colors.items()], fontsize=7, loc="lower left",
              frameon=False)
    goals = ", ".join(plan.request.goals) or "(none)"
    ax.set_title(f"{plan.catalog}: {len(plan.calls())} calls, {len(plan.asked())} get_info -> {goals}", fontsize=9)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
