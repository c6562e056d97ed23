"""Best-first proof search over any :class:`~prover.env.ProofEnv` and
:class:`~prover.models.common.TacticGenerator`.

Open states wait in a priority queue. The priority of a state reached by tactics
``t_1 .. t_d`` is explicit and tunable::

    priority = sum_i logprob(t_i)  -  progress_weight * predicted_remaining_steps(state)

With no progress model (or ``progress_weight = 0``) this is ReProver's cumulative log-prob
search; with a :class:`~prover.models.common.ProgressModel` and ``progress_weight > 0`` it is the
LeanProgress combination. A model that reads how a state was reached
(:class:`~prover.models.common.ContextProgressModel`) gets, for each new state, a
:class:`~prover.models.progress_context.StateContext`: the tactics from the root to it and the
state the last one ran on; the new states of one expansion are scored in one batch. The state with the highest priority is expanded next: the generator
proposes ``k`` tactics, each runs in the env, and every new goal state that has not been seen
before (identical pretty-printed goals, whitespace-normalised) joins the queue. A generator with
a ``reset`` method (per-search memory, e.g. which states got ``hammer``) is reset as each search starts.

When the queue runs empty before the budget ends, the search widens instead of giving up: every
expanded state goes back into the queue (best priority first) and is asked for ``widen`` times
as many candidates as in the round before, of which only the tactics not yet tried there run.
A tactic that fails is handed back to the env, which may offer repairs of it (Coq: a lemma
named as another file's imports allowed, ``add_comm`` -> ``Nat.add_comm``); those run next, on
the failed tactic's log-prob, ``max_repairs`` per expansion at most.
It stops at the first proof, after ``max_expansions`` expansions, at the wall-clock limit, or
when a round at ``max_k`` candidates tries nothing new (``exhausted``). A proof is reported as ``proved`` only after
``ProofEnv.verify`` re-checked it from scratch; a rejected proof is counted and search goes on.
The whole search tree is returned as a networkx ``DiGraph`` for inspection and plotting.
"""

from __future__ import annotations

import heapq
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import networkx as nx

from prover.env import (
    ProofEnv,
    ProofFinished,
    ProofState,
    ProverError,
    StatementError,
    TacticError,
    TacticRejected,
    TacticTimeout,
    Theorem,
)
from prover.models.common import ProgressModel, TacticCandidate, TacticGenerator
from prover.models.progress_context import ROOT, StateContext
from prover.search import defaults as search_defaults

SearchStatus = Literal["proved", "exhausted", "expansion_budget", "time_budget", "error"]

#: Maps (theorem, goal state) to the premise texts handed to the generator (a premise
#: retriever; the theorem tells it which premises are accessible).
PremiseSource = Callable[[Theorem, str], list[str]]

#: Re-checks a finished proof from scratch (default: ``ProofEnv.verify``, a fresh process).
ProofChecker = Callable[[Theorem, list[str]], bool]

#: Maps (theorem, tactic) to why the tactic is not worth running (None: run it). A benchmark's
#: leak check uses it to skip tactics naming lemmas its re-check would reject anyway.
TacticFilter = Callable[[Theorem, str], str | None]


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of one search. ``progress_weight`` is the lambda of the priority formula; it only
    acts when the search is given a progress model. ``k`` and ``progress_weight`` default to
    :mod:`prover.search.defaults`, as in ``proofplan prove`` and the benchmark."""

    k: int = search_defaults.K
    max_expansions: int | None = None
    time_limit: float | None = 20.0
    tactic_timeout: float = 5.0
    progress_weight: float = search_defaults.PROGRESS_WEIGHT
    max_depth: int = 50
    verify: bool = True
    #: Each widening round asks every expanded state for ``widen`` times more candidates.
    widen: int = 2
    #: Candidates per state in the last widening round (``k`` or less: never widen).
    max_k: int = search_defaults.MAX_K
    #: Repaired tactics (:meth:`~prover.env.ProofEnv.repairs`) run per expansion at most (0: none).
    max_repairs: int = search_defaults.MAX_REPAIRS

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError("k must be >= 1")
        if self.progress_weight < 0:
            raise ValueError("progress_weight must be >= 0")
        if self.max_expansions is None and self.time_limit is None:
            raise ValueError("give max_expansions or time_limit (or both)")
        if self.widen < 2:
            raise ValueError("widen must be >= 2")

    def round_k(self, round_: int) -> int:
        """Candidates asked per state in widening round ``round_`` (0: the first expansion)."""
        return min(self.k * self.widen**round_, max(self.k, self.max_k))

    @property
    def rounds(self) -> int:
        """How many widening rounds follow the first pass (0 when ``max_k <= k``)."""
        n = 0
        while self.round_k(n) < max(self.k, self.max_k):
            n += 1
        return n


@dataclass
class SearchResult:
    """Outcome of one search.

    ``proof`` is the verified tactic script when ``status == "proved"``. ``tree`` has one node
    per state reached (attributes: ``goals``, ``num_goals``, ``depth``, ``logprob_sum``,
    ``remaining`` (predicted steps or None), ``priority``, ``kind`` in
    open/expanded/proved/error/timeout/duplicate/rejected/filtered (``filtered``: not run, the
    search's tactic filter said why in ``detail``), ``found_at`` seconds) and one edge per tactic
    tried (``tactic``, ``logprob``, ``seconds``).
    """

    theorem: Theorem
    status: SearchStatus
    proof: list[str] | None
    tree: nx.DiGraph
    expansions: int
    tactics_run: int
    time: float
    time_to_proof: float | None = None
    rejected_proofs: int = 0
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    #: Widening rounds started after the queue first ran empty.
    rounds: int = 0
    #: Repaired tactics run (:meth:`~prover.env.ProofEnv.repairs`); edges of repairs carry ``repair_of``.
    repairs: int = 0

    @property
    def repaired_steps(self) -> int:
        """Steps of the proof that are repairs of a failed tactic (0 when not proved)."""
        ends = [n for n, d in self.tree.nodes(data=True) if d.get("kind") == "proved"]
        if not self.proved or not ends:
            return 0
        steps, node = 0, ends[-1]
        while preds := list(self.tree.predecessors(node)):
            steps += "repair_of" in self.tree.edges[preds[0], node]
            node = preds[0]
        return steps

    @property
    def proved(self) -> bool:
        return self.status == "proved"


_WS = re.compile(r"\s+")
_TIMEOUT = re.compile(r"^timeout\s+\d+\s+(.+)$", re.S)


def without_timeout(tactic: str) -> str:
    """``timeout N tac.`` -> ``tac.``: the limit only bounded the search's run; a proof that
    closed in time is reported without it, so its re-check does not depend on machine load."""
    m = _TIMEOUT.match(tactic.strip())
    return m.group(1) if m else tactic


def state_key(goals: str) -> str:
    """The dedup key of a goal state: its pretty-printed goals with whitespace normalised."""
    return _WS.sub(" ", goals).strip()


class BestFirstSearch:
    """Best-first search. One instance can prove many theorems with the same env."""

    def __init__(
        self,
        env: ProofEnv,
        generator: TacticGenerator,
        config: SearchConfig | None = None,
        progress: ProgressModel | None = None,
        premises: PremiseSource | None = None,
        checker: ProofChecker | None = None,
        tactic_filter: TacticFilter | None = None,
    ) -> None:
        self.env = env
        self.checker = checker or env.verify
        self.tactic_filter = tactic_filter
        self.generator = generator
        self.config = config or SearchConfig()
        self.progress = progress
        self.premises = premises

    def priority(self, logprob_sum: float, remaining: float | None) -> float:
        """``logprob_sum - progress_weight * remaining`` (remaining ignored when None)."""
        if remaining is None or self.config.progress_weight == 0.0:
            return logprob_sum
        return logprob_sum - self.config.progress_weight * remaining

    def _remaining(self, states: list[str], contexts: list[StateContext] | None = None) -> list[float | None]:
        """Predicted remaining steps of each state (None when progress is off); batched when
        the model offers ``remaining_steps_batch``, with ``contexts`` (how each state was
        reached) when it reads them (:class:`~prover.models.common.ContextProgressModel`)."""
        if self.progress is None or self.config.progress_weight == 0.0 or not states:
            return [None] * len(states)
        if contexts is not None and getattr(self.progress, "reads_context", False):
            return [float(x) for x in self.progress.remaining_steps_in_context(states, contexts)]  # type: ignore[attr-defined]
        batch = getattr(self.progress, "remaining_steps_batch", None)
        if callable(batch):
            return [float(x) for x in batch(states)]
        return [float(self.progress.remaining_steps(s)) for s in states]

    def prove(self, theorem: Theorem) -> SearchResult:
        cfg = self.config
        # an env may keep work off the budget (hammer's warm-up) by pausing its clock
        clock = getattr(self.env, "clock", None)
        now = clock.now if clock is not None else time.monotonic
        start = now()
        deadline = start + cfg.time_limit if cfg.time_limit is not None else None
        timings = {"retrieve": 0.0, "generate": 0.0, "run_tac": 0.0, "progress": 0.0, "verify": 0.0, "open": 0.0}
        tree = nx.DiGraph(theorem=theorem.name, statement=theorem.statement)
        expansions = 0
        tactics_run = 0
        rejected = 0
        round_ = 0
        repairs_run = 0

        def result(status: SearchStatus, proof: list[str] | None = None, error: str | None = None,
                   t_proof: float | None = None) -> SearchResult:
            return SearchResult(theorem, status, proof, tree, expansions, tactics_run,
                                now() - start, t_proof, rejected, error, timings, round_,
                                repairs_run)

        reset = getattr(self.generator, "reset", None)
        if callable(reset):
            reset()
        t0 = now()
        try:
            root = self.env.open(theorem)
        except StatementError as exc:
            timings["open"] = now() - t0
            return result("error", error=f"statement: {exc}")
        except ProverError as exc:
            timings["open"] = now() - t0
            return result("error", error=f"{type(exc).__name__}: {exc}")
        timings["open"] = now() - t0

        t0 = now()
        root_remaining = self._remaining([root.goals], [ROOT])[0]
        timings["progress"] += now() - t0
        node_ids = itertools.count()
        root_id = next(node_ids)
        tree.add_node(root_id, goals=root.goals, num_goals=root.num_goals, depth=0,
                      logprob_sum=0.0, remaining=root_remaining,
                      priority=self.priority(0.0, root_remaining), kind="open",
                      found_at=now() - start)
        states: dict[int, ProofState] = {root_id: root}
        seen: dict[str, int] = {state_key(root.goals): root_id}
        # heap items: (-priority, insertion order, node id); insertion order breaks ties FIFO.
        order = itertools.count()
        queue: list[tuple[float, int, int]] = [(-tree.nodes[root_id]["priority"], next(order), root_id)]

        def time_left() -> float | None:
            return None if deadline is None else deadline - now()

        # tactics already run (or filtered) at each expanded node: a widening round runs only new ones
        tried_at: dict[int, set[str]] = {}
        while True:
            if not queue:
                if round_ >= cfg.rounds:
                    return result("exhausted")
                round_ += 1
                for n in tried_at:
                    if tree.nodes[n]["kind"] == "expanded":
                        heapq.heappush(queue, (-tree.nodes[n]["priority"], next(order), n))
                if not queue:
                    return result("exhausted")
            if cfg.max_expansions is not None and expansions >= cfg.max_expansions:
                return result("expansion_budget")
            left = time_left()
            if left is not None and left <= 0:
                return result("time_budget")
            _, _, node = heapq.heappop(queue)
            data = tree.nodes[node]
            if data["depth"] >= cfg.max_depth:
                continue
            state = states[node]
            expansions += 1
            data["kind"] = "expanded"
            data.setdefault("expanded_at", now() - start)

            t0 = now()
            premises = self.premises(theorem, state.goals) if self.premises is not None else []
            timings["retrieve"] += now() - t0
            t0 = now()
            candidates = self.generator.suggest(state.goals, premises, cfg.round_k(round_))
            timings["generate"] += now() - t0

            tried = tried_at.setdefault(node, set())
            fresh: list[int] = []
            pending: list[tuple[TacticCandidate, str | None]] = [(c, None) for c in candidates]
            repaired = 0
            while pending:
                cand, repair_of = pending.pop(0)
                tactic = cand.tactic.strip()
                tactic = self.env.search_form(tactic) if tactic else ""
                if not tactic or tactic in tried:
                    continue
                tried.add(tactic)
                skip = self.tactic_filter(theorem, tactic) if self.tactic_filter is not None else None
                if skip is not None:
                    child = next(node_ids)
                    tree.add_node(child, goals="", num_goals=-1, remaining=None, priority=None, kind="filtered",
                                  detail=skip[:300], depth=data["depth"] + 1,
                                  logprob_sum=data["logprob_sum"] + cand.logprob, found_at=now() - start)
                    tree.add_edge(node, child, tactic=tactic, logprob=cand.logprob, seconds=0.0)
                    continue
                left = time_left()
                if left is not None and left <= 0:
                    return result("time_budget")
                timeout = min(cfg.tactic_timeout, cand.time_limit or cfg.tactic_timeout)
                timeout = timeout if left is None else max(0.05, min(timeout, left))
                t0 = now()
                try:
                    outcome = self.env.run_tac(state, tactic, timeout=timeout)
                except TacticRejected as exc:
                    outcome = TacticError(f"rejected: {exc}")
                except ProverError as exc:
                    timings["run_tac"] += now() - t0
                    return result("error", error=f"{type(exc).__name__}: {exc}")
                spent = now() - t0
                timings["run_tac"] += spent
                tactics_run += 1
                child_lp = data["logprob_sum"] + cand.logprob
                child = next(node_ids)
                edge = {"tactic": tactic, "logprob": cand.logprob, "seconds": spent}
                if repair_of is not None:
                    edge["repair_of"] = repair_of
                base = {"depth": data["depth"] + 1, "logprob_sum": child_lp,
                        "found_at": now() - start}

                if isinstance(outcome, ProofFinished):
                    proof = [without_timeout(t) for t in self._proof_of(tree, node) + [tactic]]
                    tree.add_node(child, goals="", num_goals=0, remaining=0.0,
                                  priority=child_lp, kind="proved", **base)
                    tree.add_edge(node, child, **edge)
                    found = now() - start
                    if not cfg.verify:
                        return result("proved", proof, t_proof=found)
                    t0 = now()
                    try:
                        ok = self.checker(theorem, proof)
                    except ProverError as exc:
                        ok = False
                        tree.nodes[child]["verify_error"] = str(exc)
                    timings["verify"] += now() - t0
                    tree.nodes[child]["verified"] = ok
                    if ok:
                        return result("proved", proof, t_proof=found)
                    rejected += 1
                    tree.nodes[child]["kind"] = "rejected"
                    continue
                if isinstance(outcome, TacticError) and repaired < cfg.max_repairs:
                    # the env's repairs of a failed tactic run next, on the same log-prob
                    t0 = now()
                    fixes = self.env.repairs(state, tactic, outcome.message)[: cfg.max_repairs - repaired]
                    timings["run_tac"] += now() - t0
                    repaired += len(fixes)
                    repairs_run += len(fixes)
                    pending[:0] = [(TacticCandidate(f, cand.logprob, cand.time_limit), tactic) for f in fixes]
                if isinstance(outcome, (TacticError, TacticTimeout)):
                    kind = "error" if isinstance(outcome, TacticError) else "timeout"
                    detail = outcome.message if isinstance(outcome, TacticError) else f"{outcome.seconds:.2f}s"
                    tree.add_node(child, goals="", num_goals=-1, remaining=None, priority=None,
                                  kind=kind, detail=detail[:300], **base)
                    tree.add_edge(node, child, **edge)
                    continue
                assert isinstance(outcome, ProofState)
                key = state_key(outcome.goals)
                if key in seen:
                    # Identical goals were reached before: link to the earlier node for the plot.
                    tree.add_node(child, goals="", num_goals=outcome.num_goals, remaining=None,
                                  priority=None, kind="duplicate", same_as=seen[key], **base)
                    tree.add_edge(node, child, **edge)
                    continue
                tree.add_node(child, goals=outcome.goals, num_goals=outcome.num_goals,
                              remaining=None, priority=child_lp, kind="open", **base)
                tree.add_edge(node, child, **edge)
                seen[key] = child
                states[child] = outcome
                fresh.append(child)

            # Score the new states of this expansion together (one batch for the progress model).
            t0 = now()
            contexts = None
            if fresh and getattr(self.progress, "reads_context", False):
                path = tuple(self._proof_of(tree, node))
                contexts = [StateContext(path + (tree.edges[node, c]["tactic"],), state.goals) for c in fresh]
            predicted = self._remaining([states[c].goals for c in fresh], contexts)
            timings["progress"] += now() - t0
            for child, remaining in zip(fresh, predicted, strict=True):
                cdata = tree.nodes[child]
                cdata["remaining"] = remaining
                cdata["priority"] = self.priority(cdata["logprob_sum"], remaining)
                heapq.heappush(queue, (-cdata["priority"], next(order), child))

    @staticmethod
    def _proof_of(tree: nx.DiGraph, node: int) -> list[str]:
        """Tactics on the path from the root to ``node``."""
        tactics: list[str] = []
        while True:
            preds = list(tree.predecessors(node))
            if not preds:
                break
            parent = preds[0]
            tactics.append(tree.edges[parent, node]["tactic"])
            node = parent
        tactics.reverse()
        return tactics


def draw_tree(tree: nx.DiGraph, path: str | Path, max_label: int = 24) -> Path:
    """Draw a search tree (root at the top, one row per depth) to an image file (svg/png/pdf)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    colors = {"proved": "#2ca02c", "expanded": "#1f77b4", "open": "#aec7e8",
              "error": "#d62728", "timeout": "#ff7f0e", "duplicate": "#c7c7c7",
              "rejected": "#9467bd", "filtered": "#8c564b"}
    pos = nx.multipartite_layout(tree, subset_key="depth", align="horizontal")
    pos = {n: (x, -y) for n, (x, y) in pos.items()}
    width = max(6.0, min(40.0, 0.35 * max(1, tree.number_of_nodes())))
    depth = max((d for _, d in tree.nodes(data="depth")), default=0)
    fig, ax = plt.subplots(figsize=(width, 1.5 + 1.2 * (depth + 1)))
    node_colors = [colors.get(tree.nodes[n].get("kind", "open"), "#7f7f7f") for n in tree.nodes]
    nx.draw_networkx_nodes(tree, pos, ax=ax, node_size=120, node_color=node_colors)
    nx.draw_networkx_edges(tree, pos, ax=ax, arrows=False, alpha=0.5)
    # the proof path (root to the verified proof) is drawn thick; edge labels carry log-probs
    ends = [n for n, d in tree.nodes(data=True) if d.get("kind") == "proved"]
    path_edges = list(nx.utils.pairwise(nx.shortest_path(tree, 0, ends[0]))) if ends and 0 in tree else []
    if path_edges:
        nx.draw_networkx_edges(tree, pos, edgelist=path_edges, ax=ax, arrows=False, width=3.0,
                               edge_color="#2ca02c")
    labels = {(u, v): f"{d['tactic'][:max_label]} ({d.get('logprob', 0.0):.2f})"
              for u, v, d in tree.edges(data=True)
              if tree.nodes[v].get("kind") in ("proved", "expanded", "open")}
    nx.draw_networkx_edge_labels(tree, pos, edge_labels=labels, ax=ax, font_size=6)
    from matplotlib.patches import Patch

    present = {tree.nodes[n].get("kind", "open") for n in tree.nodes}
    ax.legend(handles=[Patch(color=c, label=k) for k, c in colors.items() if k in present],
              loc="upper right", fontsize=7, frameon=False)
    ax.set_title(f"{tree.graph.get('theorem', '')}: {tree.number_of_nodes()} nodes")
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
