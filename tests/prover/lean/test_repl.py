"""LeanReplEnv driven by real Lean 4 REPL transcripts (leanprover-community/repl's own tests).

The replay transport answers each request with the recorded response and fails on any request
the real REPL was not sent, so these tests check the exact JSON our client produces and our
reading of every response kind. Tests that need real Lean are marked ``lean``.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

from prover.env import (
    ProofFinished,
    ProofState,
    ProverCrashed,
    StatementError,
    TacticError,
    TacticRejected,
    TacticTimeout,
    Theorem,
    UnknownStateError,
)
from prover.lean.protocol import (
    CommandResponse,
    ReplErrorResponse,
    ReplProtocolError,
    TacticResponse,
    parse_response,
)
from prover.lean.repl import (
    LeanReplEnv,
    classify_tactic_response,
    command_proves,
    declaration_head,
    initial_proof_state,
    proof_command,
)
from prover.lean.replay import ReplayTransport, Transcript, TranscriptMismatch
from prover.lean.state_tree import AllGoalsClosed, NewGoals
from prover.lean.transport import LeanNotInstalled, SubprocessTransport

TRANSCRIPTS = Path(__file__).parent / "transcripts"
ALL = sorted(TRANSCRIPTS.rglob("*.in"))


def replay_env(name: str, **kwargs) -> tuple[LeanReplEnv, list[ReplayTransport]]:
    """An env whose every REPL process replays transcript ``name`` from its start."""
    transcript = Transcript.load(TRANSCRIPTS / f"{name}.in")
    made: list[ReplayTransport] = []

    def factory() -> ReplayTransport:
        made.append(ReplayTransport(transcript))
        return made[-1]

    return LeanReplEnv(factory, **kwargs), made


COMPLEX_AND = Theorem(
    name="complex_and", statement="(p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r"
)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_recorded_response_parses(path):
    t = Transcript.load(path)
    assert t.requests and len(t.requests) == len(t.responses)
    for req, raw in zip(t.requests, t.responses, strict=True):
        resp = parse_response(raw)
        if "tactic" in req:
            assert isinstance(resp, (TacticResponse, ReplErrorResponse))
        else:
            assert isinstance(resp, (CommandResponse, ReplErrorResponse))


def test_branching_proof_to_completion():
    env, made = replay_env("proof_branching")
    s0 = env.open(COMPLEX_AND)
    assert s0.goals == "p q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p ∧ r" and s0.num_goals == 1
    s1 = env.run_tac(s0, "apply And.intro")
    assert isinstance(s1, ProofState) and s1.num_goals == 2
    assert s1.goals.split("\n\n")[0].startswith("case left") and "case right" in s1.goals
    s2 = env.run_tac(s1, "exact h1.left")
    assert isinstance(s2, ProofState) and s2.num_goals == 1 and s2.goals.endswith("⊢ r")
    s3 = env.run_tac(s2, "apply h2")
    assert isinstance(s3, ProofState) and s3.goals.endswith("⊢ q")
    done = env.run_tac(s3, "exact h1.right")
    assert isinstance(done, ProofFinished)
    assert made[0].exhausted and env.stats.tactics_run == 4 and env.stats.restarts == 0
    assert env.tactics_to(done.id) == [
        "apply And.intro",
        "exact h1.left",
        "apply h2",
        "exact h1.right",
    ]
    assert env.tactics_to(s2.id) == ["apply And.intro", "exact h1.left"]
    with pytest.raises(UnknownStateError):  # nothing runs on a finished proof
        env.run_tac(ProofState(done.id, "", 0), "rfl")
    env.close()


def test_second_branching_transcript_with_example():
    env, made = replay_env("proof_branching2")
    s = env.open(Theorem(name="_", statement="example (p q : Prop) : p ∧ q → q ∧ p"))
    for tac in ["intro h", "have hp : p := h.left", "have hq : q := h.right", "apply And.intro"]:
        s = env.run_tac(s, tac)
        assert isinstance(s, ProofState)
    assert s.num_goals == 2
    s = env.run_tac(s, "exact hq")
    assert isinstance(env.run_tac(s, "exact hp"), ProofFinished)
    assert made[0].exhausted


def test_any_earlier_state_can_be_reused():
    env, made = replay_env("proof_step")
    root = env.open(Theorem(name="f", statement="def f : Nat"))
    other = env.run_tac(root, "apply Int.natAbs")
    assert isinstance(other, ProofState) and other.goals == "⊢ Int"
    s2 = env.run_tac(root, "have t : Nat := 42")
    assert isinstance(s2, ProofState) and s2.goals == "t : Nat\n⊢ Nat"
    assert isinstance(env.run_tac(s2, "exact t"), ProofFinished)
    assert made[0].exhausted


def test_readme_session():
    env, made = replay_env("readme")
    s0 = env.open(Theorem(name="f", statement="def f (x : Unit) : Nat := by sorry"))
    s1 = env.run_tac(s0, "apply Int.natAbs")
    assert isinstance(s1, ProofState) and s1.goals == "x : Unit\n⊢ Int"
    assert isinstance(env.run_tac(s1, "exact -37"), ProofFinished)


def test_unknown_tactic_is_a_tactic_error_and_state_survives():
    env, made = replay_env("unknown_tactic")
    s0 = env.open(Theorem(name="f", statement="def f : Nat"))
    res = env.run_tac(s0, "exat 42")
    assert isinstance(res, TacticError) and res.message == "<input>:1:1: unknown tactic"
    assert made[0].exhausted


def test_unknown_identifier_error_message():
    env, _ = replay_env("invalid_tactic")
    s0 = env.open(Theorem(name="my_theorem", statement="(x : Nat) : x = x"))
    res = env.run_tac(s0, "exact my_fake_premise")
    # proofStatus says "Incomplete: contains sorry", but the error message is what matters.
    assert isinstance(res, TacticError) and "Unknown identifier `my_fake_premise`" in res.message


def test_unknown_proof_state_answer_raises_typed_error():
    env, made = replay_env("unknown_proof_state")
    s0 = env.open(Theorem(name="f", statement="def f : Nat"))
    # Simulate a REPL that lost the state: point our root at the REPL's proof state 1.
    env._tree.nodes[s0.id].handle = 1
    with pytest.raises(UnknownStateError):
        env.run_tac(s0, "exact 42")
    assert made[0].exhausted


def test_states_the_env_never_made_are_refused_before_any_request():
    env, made = replay_env("readme")
    s0 = env.open(Theorem(name="f", statement="def f (x : Unit) : Nat"))
    with pytest.raises(UnknownStateError):
        env.run_tac(ProofState(id=99, goals="⊢ Nat", num_goals=1), "rfl")
    with pytest.raises(UnknownStateError):
        env.run_tac(ProofState(id=s0.id, goals="⊢ False", num_goals=1), "rfl")
    assert made[0].position == 1


@pytest.mark.parametrize(
    "name, tactic",
    [("tactic_mode_sorry", "sorry"), ("sorry_hypotheses", "have h : x = 1 := sorry")],
)
def test_sorry_is_stopped_by_the_guard_or_read_as_an_error(name, tactic):
    statement = "def f : Nat" if name == "tactic_mode_sorry" else "(x : Int) : x = x"
    thm = Theorem(name="foo", statement=statement)
    guarded, made = replay_env(name)
    s0 = guarded.open(thm)
    with pytest.raises(TacticRejected, match="sorry"):
        guarded.run_tac(s0, tactic)
    assert made[0].position == 1  # never sent
    unguarded, made = replay_env(name, use_guard=False)
    res = unguarded.run_tac(unguarded.open(thm), tactic)
    assert isinstance(res, TacticError) and "sorry" in res.message
    assert made[0].exhausted


def test_mathlib_context_is_elaborated_once_and_reused():
    env, made = replay_env("Mathlib/exact")
    s0 = env.open(Theorem(name="test", statement="0 < 1", context="import Mathlib"))
    assert s0.goals == "⊢ 0 < 1"
    assert isinstance(env.run_tac(s0, "exact?"), ProofFinished)  # "Completed" + an info message
    s1 = env.open(Theorem(name="test", statement="3 = 7", context="import Mathlib"))
    res = env.run_tac(s1, "exact?")
    assert isinstance(res, TacticError) and res.message.startswith("`exact?` could not close")
    assert made[0].exhausted and len(made) == 1
    with pytest.raises(UnknownStateError):  # states of the previous theorem are gone
        env.run_tac(s0, "exact?")


def test_mathlib_induction_and_guarded_alternatives():
    env, made = replay_env("Mathlib/induction")
    s0 = env.open(Theorem(name="foo", statement="(x : Nat) : x = x", context="import Mathlib"))
    s1 = env.run_tac(s0, "induction x")
    assert isinstance(s1, ProofState) and s1.num_goals == 2
    s2 = env.run_tac(s1, "next => rfl")
    assert isinstance(s2, ProofState) and s2.goals.startswith("case succ")
    with pytest.raises(TacticRejected):
        env.run_tac(s0, "induction x with\n| zero => sorry\n| succ x => sorry")
    assert made[0].position == 4


def test_replayer_fails_on_a_request_the_repl_never_saw():
    env, _ = replay_env("proof_branching")
    s0 = env.open(COMPLEX_AND)
    with pytest.raises(TranscriptMismatch, match="request 1"):
        env.run_tac(s0, "constructor")


def test_statement_errors_from_recorded_command_responses():
    def first(name: str, i: int = 0):
        return parse_response(Transcript.load(TRANSCRIPTS / f"{name}.in").responses[i])

    assert initial_proof_state(first("proof_branching"), "complex_and") == (
        0,
        "p q r : Prop\nh1 : p ∧ q\nh2 : q → r\n⊢ p ∧ r",
    )
    with pytest.raises(StatementError, match="^unsolved goals x : Int h : x = 1 ⊢ x = x$"):
        initial_proof_state(first("have_by_sorry"), "foo")
    with pytest.raises(StatementError, match="Unknown environment"):
        initial_proof_state(first("unknown_environment"), "f")
    with pytest.raises(StatementError, match="no proof state"):
        initial_proof_state(first("import_lean"), "f")
    with pytest.raises(ReplProtocolError):
        initial_proof_state(first("readme", 1), "f")


def test_verify_sends_the_whole_proof_as_one_command():
    env, made = replay_env("app_type_mismatch")
    ok = env.verify(
        Theorem(name="_", statement="example : 1 = 0"), ["cases 1", "rfl", "apply ?succ"]
    )
    assert ok is False  # "(kernel) declaration has metavariables"
    assert made[0].position == 1 and made[0].closed
    env, made = replay_env("have_by_sorry", use_guard=False)
    thm = Theorem(name="foo", statement="(x : Int) : x = x")
    assert env.verify(thm, ["have h : x = 1 := by sorry"]) is False  # unsolved goals
    guarded, made = replay_env("have_by_sorry")
    with pytest.raises(TacticRejected):
        guarded.verify(thm, ["have h : x = 1 := by sorry"])
    assert made == []  # rejected before any process started


def test_command_proves_reads_recorded_responses():
    ok = parse_response(Transcript.load(TRANSCRIPTS / "import_lean.in").responses[0])
    assert command_proves(ok)
    hb = Transcript.load(TRANSCRIPTS / "have_by_sorry.in").responses
    assert not command_proves(parse_response(hb[0]))  # error: unsolved goals
    assert not command_proves(parse_response(hb[1]))  # declaration uses `sorry`
    unknown = Transcript.load(TRANSCRIPTS / "unknown_environment.in").responses[0]
    assert not command_proves(parse_response(unknown))


def test_classify_every_recorded_tactic_response():
    seen = {}
    for path in ALL:
        t = Transcript.load(path)
        for req, raw in zip(t.requests, t.responses, strict=True):
            if "tactic" not in req:
                continue
            resp = parse_response(raw)
            if isinstance(resp, ReplErrorResponse) and resp.unknown_proof_state:
                with pytest.raises(UnknownStateError):
                    classify_tactic_response(resp)
                seen["unknown"] = True
                continue
            out = classify_tactic_response(resp)
            status = getattr(resp, "proof_status", None)
            if status == "Completed":
                assert isinstance(out, AllGoalsClosed)
            elif (
                status
                and status.startswith("Incomplete: contains")
                or (isinstance(resp, ReplErrorResponse))
            ):
                assert isinstance(out, TacticError), (path.name, raw)
            seen[type(out).__name__] = True
    assert set(seen) == {"unknown", "AllGoalsClosed", "NewGoals", "TacticError"}
    meta = parse_response(Transcript.load(TRANSCRIPTS / "app_type_mismatch.in").responses[-1])
    out = classify_tactic_response(meta)
    assert isinstance(out, TacticError) and "metavariable" in out.message
    assert isinstance(
        classify_tactic_response(TacticResponse(proofState=1, goals=["⊢ True"])), NewGoals
    )
    with pytest.raises(ReplProtocolError):
        parse_response({"unexpected": 1})


@pytest.mark.parametrize(
    "statement, head",
    [
        ("(p q : Prop) (hp : p) : p ∨ q", "theorem t (p q : Prop) (hp : p) : p ∨ q"),
        (
            "{α : Type} [Inhabited α] (l : List α) : l = l",
            "theorem t {α : Type} [Inhabited α] (l : List α) : l = l",
        ),
        ("(a + b) * c = a * c + b * c", "theorem t : (a + b) * c = a * c + b * c"),
        ("∀ n : Nat, n + 0 = n", "theorem t : ∀ n : Nat, n + 0 = n"),
        ("theorem foo (n : Nat) : n = n := by sorry", "theorem foo (n : Nat) : n = n"),
        ("lemma foo : True :=", "lemma foo : True"),
        ("(x : Nat) :\n    x = x := by", "theorem t (x : Nat) :\n    x = x"),
    ],
)
def test_declaration_head(statement, head):
    assert declaration_head(Theorem(name="t", statement=statement)) == head


def test_proof_command_indents_multiline_tactics():
    cmd = proof_command(
        Theorem(name="t", statement="(n : Nat) : n + 0 = n"),
        ["induction n with\n| zero => rfl\n| succ n ih => simp", "done"],
    )
    assert cmd == (
        "theorem t (n : Nat) : n + 0 = n := by\n  induction n with\n  | zero => rfl\n"
        "  | succ n ih => simp\n  done"
    )


# --------------------------------------------------------------------------- real processes


def _replay_command(name: str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "prover.lean.replay", str(TRANSCRIPTS / f"{name}.in"), *flags]


def _process_env(name: str, first_flags: list[str]) -> LeanReplEnv:
    """Each REPL process is a replay process; only the first gets ``first_flags``."""
    started: list[int] = []

    def factory() -> SubprocessTransport:
        flags = first_flags if not started else []
        started.append(1)
        return SubprocessTransport(_replay_command(name, *flags), default_timeout=20)

    return LeanReplEnv(factory, command_timeout=20)


def test_subprocess_transport_framing():
    env = _process_env("proof_branching", [])
    s = env.open(COMPLEX_AND)
    for tac in ["apply And.intro", "exact h1.left", "apply h2"]:
        s = env.run_tac(s, tac)
        assert isinstance(s, ProofState)
    assert isinstance(env.run_tac(s, "exact h1.right"), ProofFinished)
    env.close()


def test_hung_repl_times_out_then_states_are_replayed():
    env = _process_env("proof_branching", ["--stall-at", "3"])
    s0 = env.open(COMPLEX_AND)
    s1 = env.run_tac(s0, "apply And.intro")
    s2 = env.run_tac(s1, "exact h1.left")
    res = env.run_tac(s2, "apply h2", timeout=0.5)
    assert res == TacticTimeout(0.5)
    assert env.stats.timeouts == 1 and env.stats.restarts == 1
    # The new process knows nothing; s2 is rebuilt by replaying its path from the theorem.
    s3 = env.run_tac(s2, "apply h2")
    assert isinstance(s3, ProofState) and s3.goals.endswith("⊢ q")
    assert isinstance(env.run_tac(s3, "exact h1.right"), ProofFinished)
    env.close()


def test_crashed_repl_is_restarted_and_the_tactic_retried():
    env = _process_env("proof_branching", ["--exit-at", "2"])
    s1 = env.run_tac(env.open(COMPLEX_AND), "apply And.intro")
    s2 = env.run_tac(s1, "exact h1.left")
    assert isinstance(s2, ProofState) and s2.num_goals == 1
    assert env.stats.restarts == 1
    env.close()


def test_repl_that_keeps_dying_raises_prover_crashed():
    def factory() -> SubprocessTransport:
        return SubprocessTransport(_replay_command("proof_branching", "--exit-at", "1"))

    env = LeanReplEnv(factory, max_replays=1)
    s0 = env.open(COMPLEX_AND)
    with pytest.raises(ProverCrashed):
        env.run_tac(s0, "apply And.intro")


def test_missing_lean_is_a_clear_error():
    with pytest.raises(LeanNotInstalled, match="Lean is not installed"):
        SubprocessTransport(["no-such-lake-binary-xyz", "exe", "repl"])
    env = LeanReplEnv(repl_command=["no-such-lake-binary-xyz", "exe", "repl"])
    with pytest.raises(LeanNotInstalled):
        env.verify(Theorem(name="t", statement="True"), ["trivial"])


REPL_DIR = os.environ.get("PROOFPLAN_LEAN_REPL_DIR")


@pytest.mark.lean
@pytest.mark.skipif(shutil.which("lake") is None, reason="needs lake (Lean 4) on PATH")
@pytest.mark.skipif(not REPL_DIR, reason="set PROOFPLAN_LEAN_REPL_DIR to a built REPL checkout")
def test_real_lean_repl():
    env = LeanReplEnv(repl_dir=REPL_DIR, command_timeout=120)
    thm = Theorem(name="and_swap", statement="(p q : Prop) (hp : p) (hq : q) : q ∧ p")
    s0 = env.open(thm)
    assert "⊢ q ∧ p" in s0.goals
    s1 = env.run_tac(s0, "constructor")
    assert isinstance(s1, ProofState) and s1.num_goals == 2
    assert isinstance(env.run_tac(s1, "exat hq"), TacticError)
    s2 = env.run_tac(s1, "exact hq")
    assert isinstance(env.run_tac(s2, "exact hp"), ProofFinished)
    env.close()
    assert env.verify(thm, ["constructor", "exact hq", "exact hp"])
    assert not env.verify(thm, ["constructor", "exact hp"])
