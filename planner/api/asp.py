"""clingo reasoning over a request and a catalog.

Decides which goals are reachable, which inputs are missing and no API can produce (these become
``get_info`` steps), which APIs a cheapest plan uses and where each value flows. Unreachable goals
get a one-line explanation built from the blocked inputs clingo derives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import clingo

from planner.api.catalog import Catalog
from planner.api.request import ApiRequest

PROGRAM = r"""
sat(T,T) :- type(T).
sat(T,S) :- is_a(T,P), sat(P,S).
produced(T) :- output(_,_,O), sat(O,T).
user_has(T) :- known(K), sat(K,T).
can_ask(T) :- askable(T), not produced(T), not user_has(T).

% Reachability: the least fixpoint of what the user gives, can be asked, and APIs produce.
avail(T) :- user_has(T).
avail(T) :- can_ask(T).
runnable(A) :- api(A), avail(T) : input(A,_,T); runnable(B) : requires(A,B).
avail(T) :- runnable(A), output(A,_,O), sat(O,T).
% A goal is served by the user's own value or an API; asking the user for it serves nothing.
reachable(G) :- goal(G), user_has(G).
reachable(G) :- goal(G), runnable(A), output(A,_,O), sat(O,G).
unreachable(G) :- goal(G), not reachable(G).
blocked_input(A,T) :- api(A), input(A,_,T), not avail(T).
blocked_requires(A,B) :- requires(A,B), not runnable(B).

% A cheapest plan skeleton: which APIs run and where each input comes from.
{ use(A) : runnable(A) }.
1 { src(A,T,user) : user_has(T) ; src(A,T,ask) : can_ask(T) ;
    src(A,T,B) : use(B), output(B,_,O), sat(O,T), B != A } 1 :- use(A), input(A,_,T).
ask(T) :- src(_,T,ask).
:- use(A), requires(A,B), not use(B).
got(G) :- user_has(G).
got(G) :- use(B), output(B,_,O), sat(O,G).
:- reachable(G), not got(G).
#edge (B,A) : src(A,_,B), api(B).
#edge (B,A) : use(A), requires(A,B).
#minimize { 1@2,T : ask(T) }.
#minimize { 1@1,A : use(A) }.
"""


@dataclass(frozen=True, order=True)
class Dataflow:
    """A value of ``type`` flows from ``source`` (an API, ``user`` or ``ask``) into ``consumer``."""

    consumer: str
    type: str
    source: str


@dataclass
class AspResult:
    """What clingo concluded about a request."""

    reachable_goals: list[str]
    unreachable: dict[str, str]
    missing: list[str]
    selected_apis: list[str]
    runnable_apis: list[str]
    dataflow: list[Dataflow] = field(default_factory=list)
    goal_outputs: dict[str, str] = field(default_factory=dict)


def _q(name: str) -> str:
    return f'"{name}"'


def catalog_facts(catalog: Catalog) -> str:
    """ASP facts for the catalog (types, subtyping, askability, API signatures, requires)."""
    lines: list[str] = []
    for t in catalog.types:
        lines.append(f"type({_q(t.name)}).")
        if t.is_a:
            lines.append(f"is_a({_q(t.name)},{_q(t.is_a)}).")
        if t.askable:
            lines.append(f"askable({_q(t.name)}).")
    for a in catalog.apis:
        lines.append(f"api({_q(a.name)}).")
        for p, t in a.inputs.items():
            lines.append(f"input({_q(a.name)},{_q(p)},{_q(t)}).")
        for p, t in a.outputs.items():
            lines.append(f"output({_q(a.name)},{_q(p)},{_q(t)}).")
        for r in a.requires:
            lines.append(f"requires({_q(a.name)},{_q(r)}).")
    return "\n".join(lines)


def request_facts(request: ApiRequest) -> str:
    """ASP facts for a request: its goals and the types of the values it gives."""
    lines = [f"goal({_q(g)})." for g in request.goals]
    lines += [f"known({_q(v.type)})." for v in request.values]
    return "\n".join(lines)


def reason(catalog: Catalog, request: ApiRequest) -> AspResult:
    """Run clingo on the catalog and request facts and read back the optimal model."""
    request.check_against(catalog)
    ctl = clingo.Control(["--opt-mode=opt", "--warn=none"])
    ctl.add("base", [], PROGRAM + "\n" + catalog_facts(catalog) + "\n" + request_facts(request))
    ctl.ground([("base", [])])
    best: list[clingo.Symbol] | None = None
    with ctl.solve(yield_=True) as handle:
        for model in handle:
            best = model.symbols(atoms=True)
    if best is None:  # only when the optimisation part is inconsistent; reachability is not
        raise RuntimeError("clingo found no model for a reachability program")
    atoms: dict[str, list[tuple[str, ...]]] = {}
    for sym in best:
        atoms.setdefault(sym.name, []).append(
            tuple(a.string if a.type == clingo.SymbolType.String else str(a) for a in sym.arguments)
        )

    def unary(name: str) -> list[str]:
        return sorted(args[0] for args in atoms.get(name, []))

    blocked_inputs: dict[str, list[str]] = {}
    for a, t in atoms.get("blocked_input", []):
        blocked_inputs.setdefault(a, []).append(t)
    blocked_reqs: dict[str, list[str]] = {}
    for a, b in atoms.get("blocked_requires", []):
        blocked_reqs.setdefault(a, []).append(b)
    avail = set(unary("avail"))
    unreachable = {
        g: explain_unreachable(catalog, g, avail, blocked_inputs, blocked_reqs)
        for g in unary("unreachable")
    }
    selected = unary("use")
    goal_outputs: dict[str, str] = {}
    user_has = set(unary("user_has"))
    for g in unary("reachable"):
        if g in user_has:
            continue
        for api in selected:
            out = next((o for o in catalog.api_by_name[api].outputs.values() if catalog.satisfies(o, g)), None)
            if out is not None:
                goal_outputs[g] = out
                break
    return AspResult(
        reachable_goals=unary("reachable"),
        unreachable=unreachable,
        missing=unary("ask"),
        selected_apis=selected,
        runnable_apis=unary("runnable"),
        dataflow=sorted(Dataflow(c, t, s) for c, t, s in atoms.get("src", [])),
        goal_outputs=goal_outputs,
    )


def explain_unreachable(
    catalog: Catalog,
    goal: str,
    avail: set[str],
    blocked_inputs: dict[str, list[str]],
    blocked_reqs: dict[str, list[str]],
) -> str:
    """One line saying why no sequence of calls and questions yields ``goal``."""

    def why_type(t: str, seen: frozenset[str]) -> str:
        producers = catalog.producers(t)
        if not producers:
            return f"{t}, which no API produces and the user cannot be asked for"
        if t in seen:
            return f"{t}, which depends on itself"
        seen = seen | {t}
        reasons = []
        for api in producers[:3]:
            causes = [why_type(x, seen) for x in blocked_inputs.get(api.name, []) if x not in avail]
            text = f"{api.name} needs " + " and ".join(causes) if causes else api.name
            reqs = blocked_reqs.get(api.name, [])
            if reqs:
                text += f" (requires {', '.join(reqs)}, which cannot run)"
            reasons.append(text)
        return f"{t}, whose producer {' / '.join(reasons)}"

    if not catalog.producers(goal):
        return f"no API in catalog {catalog.name!r} produces {goal}"
    return f"{goal} is unreachable: " + why_type(goal, frozenset()).split(", whose producer ", 1)[-1]
