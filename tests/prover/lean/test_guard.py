"""The Lean tactic guard: plain tactics pass, commands and escape hatches do not."""

import pytest

from prover.env import TacticRejected
from prover.lean.guard import check_lean_tactic, lean_code

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
    # what the lexer must read as Lean does, and let through
    "exact h'",
    "simp only [h₁', x''] at h ⊢",
    "exact '\"'",
    "exact ('a', '\\n', '\\'', '\\x41', '\\u00e9')",
    "simp -- a comment with \" and ' and #eval sorry",
    "simp /- nested /- \" -/ still a comment: run_tac -/ [h]",
    "simp [h] /- a comment\nover two lines -/",
    'exact s!"n = {n} and {f "x" + g {a := 1}}"',
    'exact s!"a literal \\{ brace"',
    'exact "a brace { in a plain string"',
    "exact «my lemma» _",
    "rw [Nat.«succ_le_iff»]",
    "exact 0x1F + 1_000 + 2.5e-3",
    "exact ``Nat.add_comm",
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
    # forbidden names written as «guillemet» names are still the names
    ("exact «run_tac»", "run_tac"),
    ("exact «IO».Process.run {cmd := \"sh\"}", "IO"),
    ("exact «sorryAx» _ false", "sorryAx"),
    ("exact «IO.FS».writeFile", "IO"),
    # interpolated code is code; a comment or char literal is not
    ('exact s!"{IO.println 1}"', "IO"),
    ('exact s!"{s!"{sorry}"}"', "sorry"),
    ("exact '\"' <;> exact sorry <;> exact '\"'", "sorry"),
    ("simp /- /- -/ \" -/ <;> exact sorry -- \"", "sorry"),
    ("simp -- \"\n  <;> exact sorry -- \"", "sorry"),
    ('exact "x" -- ok\n  <;> #eval 1', "#eval"),
    # unterminated or unreadable forms
    ("simp /- never closed", "unterminated comment"),
    ("simp /- /- closed once -/", "unterminated comment"),
    ('exact "never closed', "unterminated string"),
    ("exact 'a", "unterminated character literal"),
    ("exact «never closed", "unterminated «name»"),
    ('exact s!"{x', "unterminated string interpolation"),
    ('exact "bad \\q escape"', "invalid escape"),
    ("exact '\\q'", "invalid escape"),
    # forms Lean may read differently from the guard: refused, not guessed
    ("exact ∑'\"' | run_tac x | '\"'", "ambiguous"),
    ("exact 0x1F'\"' run_tac '\"'", "ambiguous"),
    ("exact ''", "character literal"),
    ('exact r"\\" run_tac "', "raw string"),
    ("simp /-- doc -/", "doc comment"),
    ('exact throwError "{" | run_tac x | exact "}"', "plain and as an interpolated"),
    ("exact é'\" #eval '\"", "Lean release"),
    ("simp <-- x", "comment marker"),
    ("-- only a comment", "empty"),
]


@pytest.mark.parametrize("tactic", ACCEPTED)
def test_plain_tactics_pass(tactic):
    assert check_lean_tactic(tactic) == tactic.strip()


@pytest.mark.parametrize("tactic, reason", REJECTED)
def test_commands_and_escape_hatches_are_rejected(tactic, reason):
    with pytest.raises(TacticRejected, match=reason) as info:
        check_lean_tactic(tactic)
    assert "\n" not in str(info.value)


def test_lean_code_blanks_comments_and_literals_but_keeps_code():
    code = lean_code('simp [h] -- "x"\n  <;> exact s!"{f n}" /- c -/ ++ \'"\' ++ «a b».c')
    assert code.splitlines()[0].rstrip() == "simp [h]"
    assert '""(f n)' in code and "' '" in code and "«a b».c" in code
    assert '"x"' not in code and "c -/" not in code


def test_non_lean_word_characters_split_names():
    # λ is Lean's `fun` token, not a letter: `xλIO` is `x`, `λ`, `IO`.
    with pytest.raises(TacticRejected, match="IO"):
        check_lean_tactic("exact xλIO.Process.run")
