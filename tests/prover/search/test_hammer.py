"""CoqHammer's ``hammer`` with a real ATP (E prover): as a whole-proof baseline and as a tactic
the search tries at its first states; the proof reported is hammer's reconstruction."""

import shutil
import time
from dataclasses import replace

import pytest

from prover.coq.env import check_context, hammer_replacement
from prover.env import StatementError, Theorem
from prover.models.common import TacticCandidate
from prover.models.generators.simple import AutomationAtTop, FixedTacticsGenerator
from prover.search.baselines import automation_context
from prover.search.configs import ProverSettings, build_prover, theorem_as_proved
from prover.search.hammer import hammer_context, libraries_after

needs_eprover = pytest.mark.skipif(shutil.which("eprover") is None, reason="eprover is not installed")

APP_LENGTH = Theorem("app_len", "forall (A : Type) (l1 l2 : list A), length (l1 ++ l2) = length l1 + length l2",
                     "Require Import List.")
REV_REV = Theorem("rev_rev", "forall (A : Type) (l : list A), rev (rev l) = l", "Require Import List.")


def test_context_allows_hammer_limits_only():
    assert len(check_context(hammer_context(20))) == 9
    for bad in ['Set Hammer PredictPath "/bin/sh".', "Set Hammer ATPLimit 5. Drop.",
                "Set Hammer ATPLimit 99999.", "Set Hammer Debug."]:
        with pytest.raises(StatementError):
            check_context(bad)


def test_context_allows_a_hammer_filter_naming_one_library():
    assert check_context("Add Hammer Filter Coq.Lists.List.") == ["Add Hammer Filter Coq.Lists.List."]
    for bad in ["Add Hammer Filter Coq.Lists.List. Drop.", 'Add Hammer Filter "x".']:
        with pytest.raises(StatementError):
            check_context(bad)


def test_libraries_after_one_are_it_and_those_that_require_it_among_hammers_imports():
    after = libraries_after("Coq.PArith.BinPos")
    # Pnat requires BinPos; ZArith's BinInt through BinNat; PeanoNat comes before BinPos.
    assert {"Coq.PArith.BinPos", "Coq.PArith.Pnat", "Coq.ZArith.BinInt"} <= set(after)
    assert "Coq.Arith.PeanoNat" not in after and "Coq.Init.Logic" not in after
    assert libraries_after("Coq.Reals.Rbasic_fun") == []  # CoqHammer's imports do not load Reals


def test_hammers_library_facts_are_read_from_coq_once_then_from_the_cache(monkeypatch, tmp_path):
    import prover.coq.env as coq_env_module
    import prover.search.hammer as hammer_module

    monkeypatch.setenv("PROOFPLAN_CACHE", str(tmp_path))
    for cached in (hammer_module.hammer_libraries, hammer_module._hammer_library_graph):
        cached.cache_clear()
    first = libraries_after("Coq.Lists.List")
    assert "Coq.Lists.List" in first and list((tmp_path / "hammer").glob("*.json"))

    def no_coq(*args, **kwargs):
        raise AssertionError("read from Coq again")

    monkeypatch.setattr(coq_env_module, "run_in_fresh_coqtop", no_coq)
    for cached in (hammer_module.hammer_libraries, hammer_module._hammer_library_graph):
        cached.cache_clear()
    assert libraries_after("Coq.Lists.List") == first
    for cached in (hammer_module.hammer_libraries, hammer_module._hammer_library_graph):
        cached.cache_clear()  # later tests read the real cache folder again


def test_hammer_limits_follow_the_budget():
    assert "Set Hammer ATPLimit 8." in hammer_context(20)
    assert "Set Hammer ATPLimit 1." in hammer_context(1)


def test_reconstruction_tactic_is_read_from_hammer_output():
    out = ("<infomsg>Reconstructing the proof...</infomsg>\n<infomsg>Replace the hammer tactic with:\n"
           "\tsrun eauto use: rev_involutive.\n</infomsg>\nNo more goals.")
    assert hammer_replacement(out) == "srun (eauto) use: rev_involutive."
    assert hammer_replacement("<infomsg>Replace the hammer tactic with: sfirstorder </infomsg>") == "sfirstorder."
    assert hammer_replacement("No more goals.") is None


def test_automation_at_top_offers_hammer_at_the_first_states_only():
    gen = AutomationAtTop(FixedTacticsGenerator(["intros."]), states=2)
    first = [gen.suggest("g", [], 1) for _ in range(3)]
    assert first[0] == [TacticCandidate("intros.", 0.0), TacticCandidate("hammer.", -3.0)]
    assert [len(c) for c in first] == [2, 2, 1]
    gen.reset()
    assert [c.tactic for c in gen.suggest("g", [], 1)] == ["intros.", "hammer."]


@needs_eprover
@pytest.mark.timeout(240)
def test_hammer_baseline_and_search_report_the_reconstruction(coq_env):
    # Generous budgets: the first hammer call of a process extracts features of every loaded
    # object (tens of seconds on a busy CPU).
    baseline = build_prover("hammer", coq_env, ProverSettings(time_limit=90))(APP_LENGTH)
    assert baseline.proved, baseline
    assert baseline.proof and "hammer" not in baseline.proof[0] and "app_length" in baseline.proof[0]
    assert coq_env.verify(theorem_as_proved("hammer", APP_LENGTH), baseline.proof)
    # The fixed tactics and sauto cannot prove rev (rev l) = l (it needs a lemma proved by
    # induction); hammer, tried at the root, finds rev_involutive.
    settings = ProverSettings(time_limit=90, k=2, max_expansions=2, hammer_time_limit=60)
    prover = build_prover("fixed+sauto+hammer", coq_env, settings)
    start = time.monotonic()
    found = prover(REV_REV)
    wall = time.monotonic() - start
    assert found.proved, found
    # hammer's feature cache is filled right before its first call, off the search's clock
    assert found.timings["hammer_warmup"] > 0
    assert wall >= found.time + found.timings["hammer_warmup"] - 0.05
    assert prover(REV_REV).timings["hammer_warmup"] == 0.0  # once per process and context
    assert not any("hammer" in t for t in found.proof) and "rev_involutive" in " ".join(found.proof)
    assert coq_env.verify(found.theorem, found.proof)


@pytest.mark.timeout(120)
def test_hammer_warms_up_only_when_the_search_reaches_it(coq_env):
    # intros. and reflexivity. close the goal before hammer. is offered its turn at the root,
    # so CoqHammer's feature extraction (12 s or more) never runs.
    settings = ProverSettings(time_limit=20, k=2)
    prover = build_prover("fixed+sauto+hammer", coq_env, settings)
    result = prover(Theorem("refl", "forall n : nat, n = n"))
    assert result.proved, result
    assert "hammer" not in " ".join(result.proof)
    assert result.timings["hammer_warmup"] == 0.0


@needs_eprover
@pytest.mark.timeout(300)
def test_hammer_does_not_see_the_compiled_library_of_a_theorem_stated_after_its_file_prefix(coq_env):
    # app_len as if stated in List.v: its compiled List, which CoqHammer's imports load anyway,
    # holds app_length (the theorem itself there) and every lemma after it.
    in_list = replace(APP_LENGTH, prelude=("Definition before_app_len := 0.",), file_path="theories/Lists/List.v")
    settings = ProverSettings(time_limit=20)  # the feature cache is filled before the budget
    for context in (automation_context("hammer", 20, in_list),
                    theorem_as_proved("fixed+sauto+hammer", in_list, settings).context):
        assert "Add Hammer Filter Coq.Lists.List." in context
        assert "Add Hammer Filter Coq.Arith.PeanoNat." not in context  # List requires PeanoNat
    assert "Add Hammer Filter" not in theorem_as_proved("fixed+sauto+hammer", APP_LENGTH, settings).context
    # Without the filter hammer proves it with app_length (the test above); with it, not.
    result = build_prover("hammer", coq_env, settings)(in_list)
    assert not any("app_length" in t for t in result.proof or []), result.proof
