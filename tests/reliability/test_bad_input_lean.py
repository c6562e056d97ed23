"""Random and adversarial text against the Lean 4 tactic guard.

The guard raises nothing but :class:`TacticRejected`, in bounded time; commands, meta-programs
and cheats are rejected however they are wrapped (bullets, ``first``, ``<;>``, parentheses,
indented continuation lines).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prover.env import TacticRejected
from prover.lean.guard import LEAN_FORBIDDEN_WORDS, check_lean_tactic

from .test_bad_input_coq import within

FAST = settings(max_examples=300, deadline=10000, database=None,
                suppress_health_check=[HealthCheck.too_slow])

LEAN_ALPHABET = st.sampled_from(list("#·.()[]{}|<;>=:\"'\\-/ \n\tabcxyzIOS_019") + ["--", "/-", "-/", "«", "»", "=>", "by ", "run_tac", "sorry", "#eval"])
lean_text = st.lists(LEAN_ALPHABET, max_size=50).map("".join) | st.text(max_size=200)


@FAST
@given(lean_text)
def test_guard_raises_only_tactic_rejected(text: str):
    try:
        out = within(5, check_lean_tactic, text)
    except TacticRejected as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert out == text.strip()


HOSTILE = [
    "#eval IO.Process.run {{cmd := \"sh\"}}",
    "run_tac (IO.Process.run {{cmd := \"sh\"}})",
    "run_cmd (IO.FS.writeFile \"x\" \"\")",
    "exact sorry",
    "native_decide",
    "set_option maxHeartbeats 0 in simp",
    "exact (unsafe (pure ()))",
]
WRAPPERS = ["{}", "· {}", "first | skip | {}", "skip <;> {}", "({})", "try {}", "skip\n  <;> {}",
            "repeat {}", "all_goals {}", "focus\n  {}"]


@FAST
@given(st.sampled_from(HOSTILE), st.sampled_from(WRAPPERS))
def test_wrapped_commands_and_cheats_are_rejected(command: str, wrapper: str):
    with pytest.raises(TacticRejected):
        within(5, check_lean_tactic, wrapper.format(command.format()))


@pytest.mark.parametrize("word", sorted(LEAN_FORBIDDEN_WORDS))
def test_every_forbidden_word_is_rejected_inside_a_tactic(word: str):
    with pytest.raises(TacticRejected):
        check_lean_tactic(f"first | skip | exact ({word} _)")


# Lean comments, char literals and «guillemet» names may hold a '"' that Lean does not read as
# a string delimiter; a guard that strips strings with a regex blanks the command between two
# such quotes. The guard's lexer reads them as Lean does.
@pytest.mark.parametrize("tactic", [
    "first | exact '\"' | run_tac (IO.Process.run {cmd := \"sh\"}) | exact '\"'",
    "first | skip -- \"\n  | run_tac (IO.Process.run {cmd := \"sh\"}) -- \"",
    "skip /- \" -/ <;> run_tac (IO.Process.run {cmd := \"sh\"}) /- \" -/",
    "skip -- \"\n  <;> exact sorry -- \"",
    "first | exact «\"» | exact sorry | exact «\"»",
    # nested block comments: the first -/ does not end the comment, the second does
    "skip /- /- \" -/ -/ <;> exact sorry /- \" -/",
    # Lean comments know no strings: the '-/' after a quote ends the comment
    "skip /- \"-/ <;> exact sorry -- \"",
    # escaped quotes inside a string and a char literal
    "exact \"\\\"\" <;> exact sorry <;> exact \"\\\"\"",
    "exact '\\'' <;> exact sorry <;> exact '\\''",
    # interpolated code is code
    "exact s!\"{(IO.Process.run {cmd := \"sh\"})}\"",
    "exact f!\"{sorry}\"",
    # a prime ends a name, it does not open a char literal
    "exact h' <;> exact sorry <;> exact h'",
])
def test_quotes_in_comments_char_literals_and_names_do_not_hide_commands(tactic: str):
    with pytest.raises(TacticRejected):
        check_lean_tactic(tactic)


HIDERS = ["'\"'", "-- \"\n  ", "/- \" -/", "/- /- \" -/ -/", "«\"»", "'\\''", "\"\\\"\"", "h'",
          "s!\"{x}\"", "'{'", "«{»", "/- { -/"]


@FAST
@given(st.sampled_from(HIDERS), st.sampled_from(HIDERS), st.sampled_from(HOSTILE),
       st.sampled_from(["first | exact {a} | {cmd} | exact {b}", "skip <;> exact {a} <;> {cmd} <;> exact {b}",
                        "(exact {a}; {cmd}; exact {b})"]))
def test_no_pair_of_hiding_constructs_blanks_a_command(a: str, b: str, command: str, shape: str):
    tactic = shape.format(a=a, b=b, cmd=command.format())
    with pytest.raises(TacticRejected):
        within(5, check_lean_tactic, tactic)
