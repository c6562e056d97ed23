"""Cheapest first (prover.search.quick): lia and sauto try the root before any model loads; the
full prover is built only for a theorem they leave open, once, and then runs as it would have."""

from prover.env import Theorem
from prover.search.configs import ProverSettings, build_prover
from prover.search.quick import QuickFirst, quick_tactics

SETTINGS = ProverSettings(time_limit=3, k=4, max_expansions=2)


def counting_build(env, config: str, calls: list[str]):
    def build():
        calls.append(config)
        return build_prover(config, env, SETTINGS)

    return build


def test_quick_tactics_are_the_configurations_own_automation():
    assert quick_tactics("logprob+retrieval+progress+sauto+hammer", SETTINGS) == ("timeout 1 lia.", "timeout 1 sauto.")
    assert quick_tactics("fixed+sauto", SETTINGS) == ("timeout 1 lia.", "timeout 1 sauto.")
    assert quick_tactics("logprob+retrieval+progress", SETTINGS) == ()
    assert quick_tactics("sauto", SETTINGS) == ()  # a whole-proof baseline runs as it is


def test_an_easy_theorem_is_proved_before_the_full_prover_is_built(coq_env):
    calls: list[str] = []
    prover = QuickFirst("fixed+sauto", coq_env, SETTINGS, counting_build(coq_env, "fixed+sauto", calls))
    result = prover(Theorem("add_0", "forall n : nat, n + 0 = n"))
    assert result.proved and result.proof == ["sauto."], result
    assert calls == [] and not prover.loaded
    assert "quick" in result.timings
    # re-checked in the context the configuration states it in (sauto needs Hammer's tactics)
    assert "From Hammer Require Import Tactics." in result.theorem.context
    assert coq_env.verify(result.theorem, result.proof)


def test_the_full_prover_is_built_once_for_what_the_quick_tactics_leave_open(coq_env):
    calls: list[str] = []
    prover = QuickFirst("fixed+sauto", coq_env, SETTINGS, counting_build(coq_env, "fixed+sauto", calls))
    false = prover(Theorem("not_all_zero", "forall n : nat, n = 0"))
    assert not false.proved and false.status != "error"
    assert false.expansions >= 1 and false.timings["quick"] > 0  # the full search ran after the quick one
    assert prover(Theorem("also_false", "forall n : nat, n = 1")).status != "proved"
    assert calls == ["fixed+sauto"]  # built once, then kept


def test_a_statement_coq_refuses_never_builds_the_full_prover(coq_env):
    calls: list[str] = []
    prover = QuickFirst("fixed+sauto", coq_env, SETTINGS, counting_build(coq_env, "fixed+sauto", calls))
    result = prover(Theorem("bad", "forall n : nat, n + = n"))
    assert result.status == "error" and calls == []
