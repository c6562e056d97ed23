"""CoqEnv against a real coqtop: branching, timeouts, crashes, bad input, coqc re-checks."""

from __future__ import annotations

import os
import random
import signal
import threading

import pytest

from prover.coq.env import CoqEnv
from prover.env import (
    ProofFinished,
    ProofState,
    StatementError,
    TacticError,
    TacticRejected,
    TacticTimeout,
    Theorem,
    UnknownStateError,
)

COMM = Theorem("add_comm'", "forall n m : nat, n + m = m + n", "Require Import Arith.")
LOOP = "do 10000 (assert (H : True) by auto; clear H)."


@pytest.fixture(scope="module")
def env():
    with CoqEnv() as e:
        yield e


def linear(tactics: list[str]) -> list[str]:
    """Goals after each tactic, replayed linearly in a fresh process."""
    with CoqEnv() as fresh:
        state = fresh.open(COMM)
        out = []
        for t in tactics:
            r = fresh.run_tac(state, t)
            assert isinstance(r, (ProofState, ProofFinished)), (t, r)
            out.append(r.goals if isinstance(r, ProofState) else "no goals")
            if isinstance(r, ProofState):
                state = r
        return out


def test_open_and_step(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    assert "forall n m : nat, n + m = m + n" in s0.goals and s0.num_goals == 1
    s1 = env.run_tac(s0, "intros n m.")
    assert isinstance(s1, ProofState) and "n, m : nat" in s1.goals
    s2 = env.run_tac(s1, "induction n.")
    assert isinstance(s2, ProofState) and s2.num_goals == 2
    assert "(ID" not in s2.goals
    err = env.run_tac(s1, "apply Nat.mul_comm.")
    assert isinstance(err, TacticError) and err.message
    done = env.run_tac(s1, "apply Nat.add_comm.")
    assert isinstance(done, ProofFinished)
    assert env.tactics_to(done.id) == ["intros n m.", "apply Nat.add_comm."]


def test_branching_matches_linear_replay(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    a1 = env.run_tac(s0, "intros n m.")
    a2 = env.run_tac(a1, "induction n.")
    a3 = env.run_tac(a2, "- simpl.")
    b2 = env.run_tac(a1, "induction m.")  # branch: coqtop must BackTo a1
    b3 = env.run_tac(b2, "simpl.")
    a4 = env.run_tac(a3, "auto.")  # back on branch a, whose coqtop states were discarded
    b4 = env.run_tac(b3, "rewrite <- plus_n_O.")
    a5 = env.run_tac(a4, "- simpl.")
    got_a = [x.goals for x in (a1, a2, a3, a4, a5)]
    got_b = [x.goals for x in (a1, b2, b3, b4)]
    assert got_a == linear(["intros n m.", "induction n.", "- simpl.", "auto.", "- simpl."])
    assert got_b == linear(["intros n m.", "induction m.", "simpl.", "rewrite <- plus_n_O."])


def test_random_tree_matches_linear_replay(env: CoqEnv) -> None:
    rng = random.Random(7)
    pool = ["intros.", "simpl.", "induction n.", "destruct m.", "auto.", "rewrite <- plus_n_O.", "split."]
    s0 = env.open(COMM)
    states: list[tuple[ProofState, list[str]]] = [(s0, [])]
    for _ in range(25):
        state, path = rng.choice(states)
        tac = rng.choice(pool)
        r = env.run_tac(state, tac)
        if isinstance(r, ProofState):
            states.append((r, [*path, tac]))
    deep = sorted(states, key=lambda sp: -len(sp[1]))[:3]
    for state, path in deep:
        assert linear(path)[-1] == state.goals


@pytest.mark.timeout(60)  # a tactic timeout that does not interrupt the loop hangs here
def test_loop_times_out_and_env_stays_usable(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    s1 = env.run_tac(s0, "intros n m.")
    r = env.run_tac(s1, LOOP, timeout=0.3)
    assert isinstance(r, TacticTimeout)
    after = env.run_tac(s1, "induction n.")
    assert isinstance(after, ProofState) and after.num_goals == 2


def test_killed_process_is_recovered_between_calls(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    s1 = env.run_tac(s0, "intros n m.")
    s2 = env.run_tac(s1, "induction n.")
    restarts = env.stats.restarts
    os.kill(env.coqtop.pid, signal.SIGKILL)
    r = env.run_tac(s2, "- simpl.")
    assert isinstance(r, ProofState) and r.goals == linear(["intros n m.", "induction n.", "- simpl."])[-1]
    assert env.stats.restarts == restarts + 1


def test_process_killed_mid_tactic(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    s1 = env.run_tac(s0, "intros n m.")
    pid = env.coqtop.pid
    killer = threading.Timer(0.3, lambda: os.kill(pid, signal.SIGKILL))
    killer.start()
    restarts = env.stats.restarts
    r = env.run_tac(s1, LOOP, timeout=20)  # restarted, replayed and run again transparently
    killer.join()
    assert isinstance(r, ProofState) and "n, m : nat" in r.goals
    assert env.coqtop.pid != pid and env.stats.restarts == restarts + 1
    r2 = env.run_tac(s1, "induction n.")
    assert isinstance(r2, ProofState) and r2.num_goals == 2


def test_wedged_process_is_replaced(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    s1 = env.run_tac(s0, "intros n m.")
    pid = env.coqtop.pid
    os.kill(pid, signal.SIGSTOP)  # ignores the interrupt: killed after the grace period
    try:
        r = env.run_tac(s1, "induction n.", timeout=0.3)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert isinstance(r, TacticTimeout)
    r2 = env.run_tac(s1, "induction n.")
    assert isinstance(r2, ProofState) and r2.num_goals == 2 and env.coqtop.pid != pid


def test_unknown_state_ids(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    with pytest.raises(UnknownStateError):
        env.run_tac(ProofState(10**9, "", 1), "intros.")
    env.open(Theorem("other", "True"))
    with pytest.raises(UnknownStateError):  # a state of the previous theorem
        env.run_tac(s0, "intros.")


@pytest.mark.parametrize(
    "statement",
    ["forall n : nat, n + = n", "forall n, n = unknown_constant", 'forall n, n = "abc', "True. Load x", "(* x"],
)
@pytest.mark.timeout(60)  # an unterminated statement must fail, not wait for more input
def test_malformed_statement_is_a_statement_error(env: CoqEnv, statement: str) -> None:
    with pytest.raises(StatementError) as exc:
        env.open(Theorem("bad", statement))
    assert str(exc.value)
    s = env.open(Theorem("good", "True"))  # still usable
    assert isinstance(env.run_tac(s, "exact I."), ProofFinished)


def test_a_state_coq_cannot_print_is_an_error_not_a_state(env: CoqEnv) -> None:
    # The tactic runs in milliseconds; printing a 25,000-element list overflows Coq's printer.
    s0 = env.open(Theorem("huge", "True", "Require Import List."))
    huge = env.run_tac(s0, "let x := eval vm_compute in (List.repeat 0 25000) in pose (l := x).")
    assert isinstance(huge, TacticError) and "cannot be shown" in huge.message, huge
    after = env.run_tac(s0, "pose (l := List.repeat 0 3).")  # the state before is intact
    assert isinstance(after, ProofState) and after.num_goals == 1 and "repeat 0 3" in after.goals


def test_coq_error_text_is_reported(env: CoqEnv) -> None:
    with pytest.raises(StatementError, match="unknown_constant"):
        env.open(Theorem("bad", "forall n, n = unknown_constant"))


@pytest.mark.parametrize("context", ['Load "/etc/passwd".', "Require Import Arith. Drop.", 'Cd "/tmp".'])
def test_context_only_imports(env: CoqEnv, context: str) -> None:
    with pytest.raises(StatementError):
        env.open(Theorem("t", "True", context))


def test_rejected_tactic_never_runs(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    before = env.stats.tactics_run
    with pytest.raises(TacticRejected):
        env.run_tac(s0, 'Redirect "/tmp/x" Print nat.')
    assert env.stats.tactics_run == before


def test_a_qualified_ltac_and_a_range_selector_run(env: CoqEnv) -> None:
    # Traced standard-library proofs start with both (Zorder's ``Z.swap_greater.``, ``1-2:``).
    s0 = env.open(Theorem("zgt", "forall n m : Z, (Z.succ n > n)%Z /\\ m = m", "Require Import ZArith."))
    s1 = env.run_tac(s0, "intros n m.")
    s2 = env.run_tac(s1, "Z.swap_greater.")
    assert isinstance(s2, ProofState) and "n < Z.succ n" in s2.goals, s2
    s3 = env.run_tac(s2, "split.")
    assert isinstance(s3, ProofState) and s3.num_goals == 2
    s4 = env.run_tac(s3, "1-2: first [apply Z.lt_succ_diag_r | reflexivity].")
    assert isinstance(s4, ProofFinished), s4


def test_verify_with_coqc(env: CoqEnv) -> None:
    assert env.verify(COMM, ["intros n m.", "apply Nat.add_comm."])
    assert not env.verify(COMM, ["intros n m.", "reflexivity."])
    with pytest.raises(TacticRejected):  # one tactic per step: "- simpl. auto." is two
        env.verify(COMM, ["intros n m.", "induction n.", "- simpl. auto."])
    assert env.verify(COMM, ["intros n m.", "induction n.", "- simpl.", "auto.", "- simpl.", "rewrite IHn.", "auto."])


def test_memory_cap_turns_a_blowup_into_an_error() -> None:
    with CoqEnv(memory_mb=700) as e:
        s0 = e.open(Theorem("t", "True"))
        r = e.run_tac(s0, "let x := eval vm_compute in (Nat.pow 2 28) in idtac.", timeout=30)
        assert isinstance(r, TacticError)
        assert isinstance(e.run_tac(s0, "exact I."), ProofFinished)


def test_ill_formed_fix_is_an_error_at_once(env: CoqEnv) -> None:
    from prover.env import ProofFinished, ProofState, TacticError

    root = env.open(Theorem("add_0_r'", "forall n : nat, n + 0 = n"))
    fixed = env.run_tac(root, "fix f 1.")
    assert isinstance(fixed, ProofState)
    # Closing the goal with the unguarded recursive call: Qed would fail, so the tactic does.
    bad = env.run_tac(fixed, "apply f.")
    assert isinstance(bad, TacticError) and "not guarded" in bad.message
    # A structurally recursive proof still finishes, and its state is usable after the error.
    step = env.run_tac(fixed, "intros [|n].")
    assert isinstance(step, ProofState)
    for tactic in ("reflexivity.", "simpl.", "rewrite (f n).", "reflexivity."):
        step = env.run_tac(step, tactic)
        assert not isinstance(step, TacticError), (tactic, step)
    assert isinstance(step, ProofFinished)
    assert env.verify(env.theorem, env.tactics_to(step.id))


def test_a_name_written_for_other_imports_is_repaired_by_locate(env: CoqEnv) -> None:
    s0 = env.open(COMM)
    s1 = env.run_tac(s0, "intros n m.")
    failed = env.run_tac(s1, "apply add_comm.")
    assert isinstance(failed, TacticError) and "add_comm was not found" in failed.message
    fixes = env.repairs(s1, "apply add_comm.", failed.message)
    # every module's add_comm that Arith loads, qualified as this context allows (N is loaded,
    # not imported); none private
    assert "apply Nat.add_comm." in fixes and "apply BinNat.N.add_comm." in fixes, fixes
    assert not any("Private" in f for f in fixes)
    assert isinstance(env.run_tac(s1, "apply Nat.add_comm."), ProofFinished)
    # a missing hypothesis, an unknown lemma and a non-name error have nothing to offer
    for tactic in ("apply H9.", "apply no_such_lemma_anywhere.", "exact 0."):
        outcome = env.run_tac(s1, tactic)
        assert isinstance(outcome, TacticError)
        assert env.repairs(s1, tactic, outcome.message) == [], tactic
    # only whole identifiers are replaced: ``add_comm'`` and ``Nat.add_comm`` are other names
    more = env.repairs(s1, "rewrite add_comm, add_comm', Nat.add_comm.", failed.message)
    assert "rewrite Nat.add_comm, add_comm', Nat.add_comm." in more
    # where the name stands for a term to take apart (another proof's hypothesis), a global
    # lemma of that name is no repair; and one of the aliases ``Z.abs = BinIntDef.Z.abs`` is tried
    assert env.repairs(s1, "induction add_comm; auto.", failed.message) == []
    z = env.open(Theorem("zabs", "forall z : Z, (0 <= Z.abs z)%Z", "Require Import ZArith."))
    assert env.repairs(z, "apply abs_nonneg.", "The reference abs_nonneg was not found in the current environment.") \
        == ["apply Z.abs_nonneg."]
