"""LeanDojoEnv's reading of lean_dojo's own result classes, and its behaviour without lean-dojo.

lean-dojo is the optional extra ``lean`` (it pulls ray, GitPython, PyGithub, lxml: about
400 MB), so the tests that use its classes run only where it is installed; the states they
build are real LeanDojo Benchmark 4 states (tests/prover/fixtures/leandojo_excerpt).
"""

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from prover.data.dataset import load_split
from prover.env import StatementError, TacticError, TacticRejected, Theorem
from prover.lean.dojo import (
    LeanDojoEnv,
    LeanDojoNotInstalled,
    classify_dojo_result,
    dojo_proof_text,
    import_lean_dojo,
)
from prover.lean.state_tree import AllGoalsClosed, NewGoals, StateTree

HAVE_LEAN_DOJO = importlib.util.find_spec("lean_dojo") is not None
EXCERPT = Path(__file__).parents[1] / "fixtures" / "leandojo_excerpt"
needs_lean_dojo = pytest.mark.skipif(not HAVE_LEAN_DOJO, reason="lean-dojo not installed")


def _real_states() -> list[str]:
    return [
        t.state_before for thm in load_split(EXCERPT, "random", "val") for t in thm.traced_tactics
    ]


@pytest.mark.skipif(HAVE_LEAN_DOJO, reason="lean-dojo is installed here")
def test_without_lean_dojo_the_error_names_the_extra():
    with pytest.raises(LeanDojoNotInstalled, match=r"pip install -e '\.\[lean\]'"):
        import_lean_dojo()
    env = LeanDojoEnv("https://github.com/yangky11/lean4-example", "main")
    with pytest.raises(LeanDojoNotInstalled):
        env.open(Theorem(name="t", statement="", file_path="Lean4Example.lean"))


def test_theorem_without_file_is_refused():
    env = LeanDojoEnv("https://github.com/yangky11/lean4-example", "main")
    with pytest.raises(StatementError, match="file_path"):
        env.open(Theorem(name="t", statement="True"))


def test_proof_text_for_check_proof():
    assert dojo_proof_text(["intro n", "induction n with\n| zero => rfl\n| succ n ih => simp"]) == (
        "by\n  intro n\n  induction n with\n  | zero => rfl\n  | succ n ih => simp"
    )


@needs_lean_dojo
def test_tactic_states_from_real_leandojo_states():
    ld = import_lean_dojo()
    states = _real_states()
    assert len(states) == 5
    for i, pp in enumerate(states):
        out = classify_dojo_result(ld.TacticState(pp=pp, id=i), ld)
        assert isinstance(out, NewGoals) and out.goals == pp and out.num_goals == pp.count("⊢")
        assert out.handle.id == i
    two = "case left\np q : Prop\nh : p ∧ q\n⊢ q\n\ncase right\np q : Prop\nh : p ∧ q\n⊢ p"
    out = classify_dojo_result(ld.TacticState(pp=two, id=7), ld)
    assert isinstance(out, NewGoals) and out.num_goals == 2


@needs_lean_dojo
def test_finished_error_and_given_up():
    ld = import_lean_dojo()
    assert isinstance(
        classify_dojo_result(ld.ProofFinished(tactic_state_id=3, message=None), ld), AllGoalsClosed
    )
    err = classify_dojo_result(ld.LeanError(error="unknown identifier 'foo'"), ld)
    assert err == TacticError("unknown identifier 'foo'")
    given_up = classify_dojo_result(ld.ProofGivenUp(), ld)
    assert isinstance(given_up, TacticError) and "sorry" in given_up.message
    with pytest.raises(Exception, match="unexpected LeanDojo result"):
        classify_dojo_result(ld.CommandState(id=0), ld)


@needs_lean_dojo
def test_outcomes_become_tree_states():
    ld = import_lean_dojo()
    tree = StateTree()
    pp = _real_states()[0]
    root = tree.add_root(pp, 1, ld.TacticState(pp=pp, id=0))
    child_pp = _real_states()[1]
    child = tree.record(root.id, "ext", classify_dojo_result(ld.TacticState(pp=child_pp, id=1), ld))
    assert child.goals == child_pp and tree.nodes[child.id].parent == root.id
    done = tree.record(child.id, "simp", classify_dojo_result(ld.ProofFinished(2, None), ld))
    assert done.id not in (root.id, child.id)


def test_guard_runs_before_lean_dojo_is_needed():
    env = LeanDojoEnv("https://github.com/yangky11/lean4-example", "main")
    with pytest.raises(TacticRejected):
        env.verify(Theorem(name="t", statement="", file_path="A.lean"), ["#eval 1"])


LD_REPO = os.environ.get("PROOFPLAN_LEANDOJO_REPO")  # "URL COMMIT FILE THEOREM"


@pytest.mark.lean
@needs_lean_dojo
@pytest.mark.skipif(shutil.which("lake") is None, reason="needs lake (Lean 4) on PATH")
@pytest.mark.skipif(not LD_REPO, reason="set PROOFPLAN_LEANDOJO_REPO='URL COMMIT FILE THEOREM'")
def test_real_dojo():
    url, commit, file_path, name = LD_REPO.split()
    env = LeanDojoEnv(url, commit, timeout=120)
    thm = Theorem(name=name, statement="", file_path=file_path, full_name=name)
    s0 = env.open(thm)
    assert "⊢" in s0.goals
    assert isinstance(env.run_tac(s0, "exact no_such_lemma_xyz"), TacticError)
    env.close()
