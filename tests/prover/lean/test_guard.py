"""The Lean tactic guard: plain tactics pass, commands and escape hatches do not."""

import pytest

from prover.env import TacticRejected
from prover.lean.guard import check_lean_tactic

ACCEPTED = [
    "exact h",
    "simp [Nat.add_comm] at h ⊢",
    "intro x; simp",
    "constructor <;> simp",
    "· exact h.left",
    "rw [show (2 : ℕ) = 1 + 1 from rfl]",
    "induction n with\n| zero => rfl\n| succ n ih => simp [ih]",
    "calc a = b := by rw [h]\n  _ = c := hbc",
    "exact?",
    "next => rfl",
    "(have h₁ : 0 < 1 := Nat.one_pos; exact h₁)",
    'exact "not #eval, just a string"',
    "omega",
    "decide",
]

REJECTED = [
    ("#eval IO.println 1", "#eval"),
    ("#exit", "#exit"),
    ("simp; #print axioms foo", "#print"),
    ('run_tac do Lean.logInfo m!"x"', "run_tac"),
    ("run_cmd pure ()", "run_cmd"),
    ('exact (IO.Process.run {cmd := "ls"})', "IO"),
    ("import Mathlib", "import"),
    ("theorem x : True := trivial", "theorem"),
    ("set_option maxHeartbeats 0 in simp", "set_option"),
    ("sorry", "sorry"),
    ("admit", "admit"),
    ("native_decide", "native_decide"),
    ("exact sorryAx _ false", "sorryAx"),
    ("intro x\nsimp", "one tactic"),
    ("Nat.succ_le_of_lt h", "not a tactic"),
    ("", "empty"),
    ("simp\x07", "control"),
    ("namespace Foo", "namespace"),
]


@pytest.mark.parametrize("tactic", ACCEPTED)
def test_plain_tactics_pass(tactic):
    assert check_lean_tactic(tactic) == tactic.strip()


@pytest.mark.parametrize("tactic, reason", REJECTED)
def test_commands_and_escape_hatches_are_rejected(tactic, reason):
    with pytest.raises(TacticRejected, match=reason) as info:
        check_lean_tactic(tactic)
    assert "\n" not in str(info.value)
