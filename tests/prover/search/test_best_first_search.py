"""Best-first search on real Coq with the model-free FixedTacticsGenerator."""

from pathlib import Path

import networkx as nx
import pytest

from prover.data.dataset import split_goals
from prover.env import Theorem
from prover.models.common import TacticCandidate
from prover.models.generators.simple import FixedTacticsGenerator
from prover.search.best_first import BestFirstSearch, SearchConfig, draw_tree, state_key

INTRO_SPLIT = FixedTacticsGenerator(["intros.", "split.", "assumption.", "left.", "right."])


class GoalCountProgress:
    """A model-free ProgressModel: one remaining step per open goal (counted from the text)."""

    def remaining_steps(self, state: str) -> float:
        return float(len(split_goals(state)))


def search(env, generator=None, **cfg):
    config = SearchConfig(**{"k": 16, "time_limit": 30.0, "max_expansions": 60, **cfg})
    return BestFirstSearch(env, generator or FixedTacticsGenerator(), config)


@pytest.mark.parametrize(
    "statement",
    [
        "forall P Q : Prop, P /\\ Q -> Q /\\ P",
        "forall n : nat, n + 0 = n",
        "2 + 2 = 4",
        "forall (A : Type) (l : list A), l = l",
    ],
)
def test_easy_theorems_are_proved_and_rechecked(coq_env, statement):
    thm = Theorem("easy", statement, "Require Import Lia.")
    result = search(coq_env).prove(thm)
    assert result.status == "proved", result.error
    assert result.proof and all(t.endswith(".") for t in result.proof)
    # Independent re-check in a fresh process, beside the one the search did.
    assert coq_env.verify(thm, result.proof)
    assert result.time_to_proof is not None and result.time_to_proof <= result.time


def test_multi_step_proof_is_the_tree_path(coq_env):
    thm = Theorem("conj3", "forall P Q R : Prop, P -> Q -> R -> (P /\\ Q) /\\ R")
    result = search(coq_env, INTRO_SPLIT).prove(thm)
    assert result.status == "proved"
    assert len(result.proof) >= 5  # two splits and three assumptions at least
    tree = result.tree
    proved = [n for n, k in tree.nodes(data="kind") if k == "proved"]
    assert len(proved) == 1
    nodes = nx.shortest_path(tree, 0, proved[0])
    assert [tree.edges[u, v]["tactic"] for u, v in nx.utils.pairwise(nodes)] == result.proof
    # Cumulative log-prob of the proof node = sum of its tactics' log-probs.
    assert tree.nodes[proved[0]]["logprob_sum"] == pytest.approx(INTRO_SPLIT.logprob * len(result.proof))
    assert result.expansions >= 1 and result.tactics_run >= len(result.proof)


def test_identical_goal_states_are_deduplicated(coq_env):
    # `left.`/`right.` fail, `intros.` after the first is a no-op error, and reaching the same
    # hypotheses-plus-goal by different routes must be queued once.
    thm = Theorem("dup", "forall P : Prop, P -> P /\\ P")
    result = search(coq_env, FixedTacticsGenerator(["split.", "intros.", "assumption."]),
                    max_expansions=40).prove(thm)
    tree = result.tree
    queued = [d["goals"] for _, d in tree.nodes(data=True) if d["kind"] in ("open", "expanded")]
    keys = [state_key(g) for g in queued]
    assert len(keys) == len(set(keys))
    assert any(k == "duplicate" for _, k in tree.nodes(data="kind"))
    assert result.status == "proved"


def test_expansion_budget_stops_search(coq_env):
    thm = Theorem("false_eq", "forall n : nat, n = S n")
    result = search(coq_env, max_expansions=3).prove(thm)
    assert result.status in ("expansion_budget", "exhausted")
    assert result.expansions <= 3
    assert result.proof is None


def test_wall_clock_budget_stops_search(coq_env):
    # sauto on a false goal runs until its timeout; the search must stop at the budget.
    gen = FixedTacticsGenerator(["intros.", "sauto."])
    thm = Theorem("false_slow", "forall n m : nat, n + m = S (m + n)", "From Hammer Require Import Tactics.")
    result = BestFirstSearch(coq_env, gen, SearchConfig(k=2, time_limit=2.0, tactic_timeout=10.0)).prove(thm)
    assert result.status in ("time_budget", "exhausted")
    assert result.proof is None
    assert result.time < 2.0 + 3.0


SLOW = "do 1000 (do 1000 (do 1000 idtac))."  # a billion steps: runs until it is interrupted


class Limited:
    """A slow tactic with its own time limit, then a tactic that proves nothing."""

    def __init__(self, limit):
        self.limit = limit

    def suggest(self, state, premises, k):
        return [TacticCandidate(SLOW, -1.0, self.limit), TacticCandidate("intros.", -2.0)]


def test_a_candidates_time_limit_cuts_it_short(coq_env):
    thm = Theorem("false_slow", "forall n m : nat, n + m = S (m + n)")
    result = search(coq_env, Limited(0.4), tactic_timeout=10.0, time_limit=8.0).prove(thm)
    first = result.tree.edges[0, 1]
    assert first["tactic"] == SLOW and result.tree.nodes[1]["kind"] == "timeout"
    assert 0.3 < first["seconds"] < 2.0  # the candidate's 0.4 s, not the search's 10 s
    # with no limit of its own a candidate gets the search's per-tactic limit
    unlimited = search(coq_env, Limited(None), tactic_timeout=2.0, time_limit=8.0, max_expansions=1).prove(thm)
    assert unlimited.tree.edges[0, 1]["seconds"] > 1.5


def test_proof_rejected_by_recheck_is_not_reported(coq_env):
    # `admit.` closes the goal interactively, but the proof cannot be saved with Qed.
    thm = Theorem("admitted", "forall n : nat, n = S n")
    result = search(coq_env, FixedTacticsGenerator(["admit."])).prove(thm)
    assert result.status != "proved"
    assert result.proof is None


def test_bad_statement_is_an_error_result(coq_env):
    result = search(coq_env).prove(Theorem("bad", "forall n : nat, n +"))
    assert result.status == "error" and result.error


class Ranked:
    """A generator with fixed, unequal log-probs (the same list for every state)."""

    def __init__(self, ranked: list[tuple[str, float]]) -> None:
        self.ranked = [TacticCandidate(t, lp) for t, lp in ranked]

    def suggest(self, state, premises, k):
        return self.ranked[:k]

    def suggest_batch(self, states, premises, k):
        return [self.suggest(s, p, k) for s, p in zip(states, premises, strict=True)]


# After `intros.`, `split.` (likelier) leaves two goals and `revert H0.` one goal.
RANKED = Ranked([("intros.", -0.1), ("split.", -0.2), ("revert H0.", -1.0), ("assumption.", -2.0)])


def expansion_order(env, weight: float):
    thm = Theorem("order", "forall P Q : Prop, P -> Q -> P /\\ Q")
    cfg = SearchConfig(k=4, time_limit=30, max_expansions=3, progress_weight=weight, verify=False)
    result = BestFirstSearch(env, RANKED, cfg, progress=GoalCountProgress()).prove(thm)
    expanded = sorted((d["expanded_at"], n) for n, d in result.tree.nodes(data=True) if "expanded_at" in d)
    return result, [n for _, n in expanded]


def test_progress_weight_changes_the_order_of_expansion(coq_env):
    r0, order0 = expansion_order(coq_env, 0.0)
    r5, order5 = expansion_order(coq_env, 5.0)
    tactic_into = lambda r, n: r.tree.edges[next(iter(r.tree.predecessors(n))), n]["tactic"]  # noqa: E731
    assert len(order0) == len(order5) == 3
    # log-prob only: the two-goal state from `split.` comes third; with lambda = 5 and one step
    # per goal, the one-goal state from `revert H0.` overtakes it.
    assert tactic_into(r0, order0[2]) == "split."
    assert tactic_into(r5, order5[2]) == "revert H0."


@pytest.mark.parametrize("weight", [0.0, 5.0])
def test_priority_formula_and_best_first_invariant(coq_env, weight):
    result, order = expansion_order(coq_env, weight)
    tree = result.tree
    for _, d in tree.nodes(data=True):
        if d["kind"] in ("open", "expanded"):
            expected = d["logprob_sum"] - weight * d["remaining"] if weight else d["logprob_sum"]
            assert d["priority"] == pytest.approx(expected)
    # Each expanded node had the highest priority among the states queued at that moment.
    for n in order:
        t = tree.nodes[n]["expanded_at"]
        waiting = [m for m, d in tree.nodes(data=True)
                   if d["kind"] in ("open", "expanded") and d["found_at"] <= t
                   and d.get("expanded_at", float("inf")) >= t]
        assert tree.nodes[n]["priority"] >= max(tree.nodes[m]["priority"] for m in waiting) - 1e-12


def test_tree_drawing_writes_an_image(coq_env, tmp_path: Path):
    thm = Theorem("draw", "forall P Q : Prop, P -> Q -> P /\\ Q")
    result = search(coq_env, INTRO_SPLIT).prove(thm)
    out = draw_tree(result.tree, tmp_path / "tree.svg")
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


class Widening:
    """Proposes its tactics best first, as a model does: the useful one ranks third."""

    def __init__(self, tactics: list[str]) -> None:
        self.tactics = tactics
        self.asked: list[int] = []

    def suggest(self, state, premises, k):
        self.asked.append(k)
        return [TacticCandidate(t, -float(i)) for i, t in enumerate(self.tactics[:k])]

    def suggest_batch(self, states, premises, k):
        return [self.suggest(s, p, k) for s, p in zip(states, premises, strict=True)]


def test_an_empty_queue_widens_the_search_instead_of_giving_up(coq_env):
    thm = Theorem("plus_n_O'", "forall n : nat, n = n + 0")
    tactics = ["intros n.", "exact I.", "induction n; simpl; auto."]
    gen = Widening(tactics)
    narrow = BestFirstSearch(coq_env, gen, SearchConfig(k=1, max_k=1, time_limit=30.0)).prove(thm)
    assert narrow.status == "exhausted" and narrow.rounds == 0
    gen = Widening(tactics)
    wide = BestFirstSearch(coq_env, gen, SearchConfig(k=1, max_k=4, time_limit=30.0)).prove(thm)
    assert wide.status == "proved", wide.error
    assert wide.rounds >= 1 and max(gen.asked) > 1
    # A widened expansion runs only the tactics not yet tried at its state.
    root_tactics = [d["tactic"] for _, _, d in wide.tree.out_edges(0, data=True)]
    assert len(root_tactics) == len(set(root_tactics))


def test_widening_stops_when_the_largest_round_adds_nothing(coq_env):
    thm = Theorem("no_way", "forall n : nat, n = S n")
    gen = Widening(["intros n.", "reflexivity."])
    result = BestFirstSearch(coq_env, gen, SearchConfig(k=1, max_k=4, time_limit=60.0)).prove(thm)
    assert result.status == "exhausted"
    assert result.rounds == SearchConfig(k=1, max_k=4).rounds == 2
    assert gen.asked.count(4) >= 1


class RecordingContextProgress:
    """A ContextProgressModel that records the contexts the search passes; one step per goal,
    minus a tenth per tactic run so far."""

    reads_context = True

    def __init__(self) -> None:
        self.seen: dict[str, object] = {}

    def remaining_steps(self, state: str) -> float:
        raise AssertionError("a context-reading model is asked with contexts")

    def remaining_steps_in_context(self, states, contexts):
        assert len(states) == len(contexts)
        out = []
        for s, c in zip(states, contexts, strict=True):
            self.seen[state_key(s)] = c
            out.append(len(split_goals(s)) - 0.1 * c.depth)
        return out


def test_search_passes_each_state_its_path_and_parent(coq_env):
    from prover.models.common import ContextProgressModel

    model = RecordingContextProgress()
    assert isinstance(model, ContextProgressModel)
    thm = Theorem("ctx", "forall P Q : Prop, P -> Q -> P /\\ Q")
    cfg = SearchConfig(k=4, time_limit=30, max_expansions=4, progress_weight=1.0, verify=False)
    result = BestFirstSearch(coq_env, RANKED, cfg, progress=model).prove(thm)
    tree = result.tree
    states = [n for n, d in tree.nodes(data=True) if d["kind"] in ("open", "expanded")]
    assert len(states) >= 3
    for n in states:
        context = model.seen[state_key(tree.nodes[n]["goals"])]
        path = nx.shortest_path(tree, 0, n)
        assert list(context.tactics) == [tree.edges[u, v]["tactic"] for u, v in nx.utils.pairwise(path)]
        assert context.depth == tree.nodes[n]["depth"]
        assert context.parent == (tree.nodes[path[-2]]["goals"] if n != 0 else None)
        assert tree.nodes[n]["remaining"] == pytest.approx(len(split_goals(tree.nodes[n]["goals"])) - 0.1 * context.depth)


def test_traced_braces_and_bullets_do_not_leave_a_proof_qed_refuses(coq_env):
    # Traced tactics keep their focusing marks; a search never closes the brace `{ intros.`
    # opened, so with the marks the goals run out inside it and the proof found is refused.
    thm = Theorem("braced", "forall P : Prop, P -> P")
    result = search(coq_env, FixedTacticsGenerator(["{ intros.", "assumption."])).prove(thm)
    assert result.status == "proved" and result.rejected_proofs == 0
    assert result.proof == ["intros.", "assumption."]
    bullets = FixedTacticsGenerator(["{ intros.", "- split.", "+ reflexivity.", "exact I. }"])
    thm = Theorem("bulleted", "forall n : nat, n = n /\\ True")
    result = search(coq_env, bullets, max_expansions=20).prove(thm)
    assert result.status == "proved" and result.rejected_proofs == 0
    assert not any(t[0] in "{}-+*" or "}" in t for t in result.proof), result.proof
    assert coq_env.verify(thm, result.proof)


@pytest.mark.parametrize(
    ("tactic", "form"),
    [("{ intros.", "intros."), ("- lia.", "lia."), ("++ auto. }", "auto."), ("2: { lia.", "2: lia."),
     ("intros.", "intros."), ("{", "{"), ("Qed.", "Qed.")],
)
def test_search_form_drops_focusing_marks_only(coq_env, tactic, form):
    assert coq_env.search_form(tactic) == form


def test_a_failed_tactic_is_repaired_and_the_repair_runs_next(coq_env):
    # The only candidate names ``add_comm`` as a file that imports Nat wrote it; here it is
    # ``Nat.add_comm``: the env's repair finds it, without it the search has nothing left.
    thm = Theorem("comm", "forall n m : nat, n + m = m + n", "Require Import Arith.")
    gen = FixedTacticsGenerator(["intros n m; apply add_comm."])
    result = search(coq_env, gen).prove(thm)
    assert result.proved, result.status
    assert result.proof == ["intros n m; apply Nat.add_comm."]
    assert result.repaired_steps == 1 and result.repairs >= 1
    without = search(coq_env, gen, max_repairs=0).prove(thm)
    assert without.status == "exhausted"
