"""Random and adversarial text against the Coq sentence splitter and the tactic guards.

Properties: the splitter raises nothing but :class:`SentenceError` and its sentences are exact
slices of the input; the guards raise nothing but :class:`TacticRejected`; every vernacular
command, file access or second sentence a model might write is rejected before it reaches
coqtop, and what the guard lets through never touches the file system.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prover.coq.guard import COQ_FORBIDDEN_VERNACULAR, check_coq_tactic
from prover.coq.sentences import SentenceError, normalize, split_sentences, strip_comments
from prover.env import TacticRejected

FAST = settings(max_examples=300, deadline=10000, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to Coq's lexer, mixed with ordinary text.
COQ_ALPHABET = st.sampled_from(list('.(*)"{}-+:[]; \n\t\rabcxyzABLSQ019_\'') + ["..", "(*", "*)", '""', ". ", "2: {"])
coq_text = st.lists(COQ_ALPHABET, max_size=60).map("".join) | st.text(max_size=200)


def within(seconds: float, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, failing the test if it has not returned after ``seconds`` (no hang)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not return within {seconds} s on {args!r:.200}")
    if "error" in box:
        raise box["error"]
    return box.get("value")


@FAST
@given(coq_text, st.booleans())
def test_splitter_raises_only_sentence_error_and_returns_slices(src: str, incomplete: bool):
    try:
        sentences = within(5, split_sentences, src, incomplete)
    except SentenceError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        return
    last = 0
    for s in sentences:
        assert s.start >= last and s.end >= s.start
        assert s.text == src[s.start:s.end] or (incomplete and s is sentences[-1])
        last = s.end
    if not incomplete:
        # Everything after the last sentence is blank or comments.
        assert strip_comments(src[last:]).strip() == ""


@FAST
@given(coq_text)
def test_normalize_and_strip_comments_raise_only_sentence_error(src: str):
    for fn in (normalize, strip_comments):
        try:
            out = within(5, fn, src)
        except SentenceError:
            continue
        assert isinstance(out, str)


@FAST
@given(coq_text)
def test_guard_raises_only_tactic_rejected(text: str):
    try:
        sentences = within(5, check_coq_tactic, text)
    except TacticRejected as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    tactic_sentences = [s for s in sentences if s not in ("{", "}") and not s.strip("-+*")
                        == "" and not s.endswith("{")]
    assert len(tactic_sentences) <= 1
    for s in tactic_sentences:
        assert "(*" not in s and s.endswith(".")
        assert s.split()[0].lstrip("([").split(":")[0] not in COQ_FORBIDDEN_VERNACULAR


VERNACULAR = sorted(COQ_FORBIDDEN_VERNACULAR)
FILE_ARGS = ['"/etc/passwd"', '"/tmp/x"', "Foo", '"../../x.v"', "", "Coq.Init", "nat"]
PREFIXES = ["", " ", "\n", "- ", "+ ", "* ", "-- ", "{ ", "} ", "2: ", "all: ", "[H]: ", "par: ", "( ",
            "[ ", "#[local] ", "1: { ", "  \t"]


@st.composite
def vernacular_sentence(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(VERNACULAR))
    arg = draw(st.sampled_from(FILE_ARGS))
    end = draw(st.sampled_from([".", "", " .", ")."]))
    return f"{word} {arg}{end}".replace("  ", " ")


@st.composite
def hostile_tactic(draw: st.DrawFn) -> str:
    """A vernacular command as the tactic, or smuggled in after a real tactic."""
    vern = draw(vernacular_sentence())
    how = draw(st.sampled_from(["alone", "prefixed", "second", "newline", "bullet-second"]))
    tactic = draw(st.sampled_from(["intros.", "auto.", "simpl.", "idtac.", "split."]))
    prefix = draw(st.sampled_from(PREFIXES))
    if how == "alone":
        return vern
    if how == "prefixed":
        return prefix + vern
    if how == "second":
        return f"{tactic} {vern}"
    if how == "newline":
        return f"{tactic}\n{vern}"
    return f"{prefix}{tactic} - {vern}"


@FAST
@given(hostile_tactic())
def test_vernacular_commands_are_rejected(tactic: str):
    with pytest.raises(TacticRejected):
        within(5, check_coq_tactic, tactic)


CONTROL = st.sampled_from(["\x00", "\x01", "\x1b", "\x07", "\x08", "\x0b", "\x0c", "\x1f"])


@FAST
@given(st.sampled_from(["intros.", "auto.", "simpl."]), CONTROL, st.integers(0, 6))
def test_control_characters_never_reach_the_prover(tactic: str, ch: str, pos: int):
    pos = min(pos, len(tactic))
    try:
        sentences = check_coq_tactic(tactic[:pos] + ch + tactic[pos:])
    except TacticRejected as exc:
        assert "control characters" in str(exc) or "not a tactic" in str(exc)
        return
    # Only blank control characters at either end are accepted, and they are stripped.
    assert ch.isspace() and sentences == [tactic]


@FAST
@given(st.integers(2001, 20000))
def test_overlong_tactics_are_rejected_quickly(n: int):
    with pytest.raises(TacticRejected, match="longer than"):
        within(2, check_coq_tactic, "idtac " * (n // 6 + 1) + ".")


# Coq strings escape a quote by doubling it (``""``), and Coq comments nest and may hold
# strings. The guard refuses every comment outside a string, and reads strings as Coq does, so
# a quote in a comment or a doubled quote cannot blank a command or a cheat.
@pytest.mark.parametrize("tactic", [
    'idtac (* " *) ; admit (* " *).',
    'idtac (* (* *) " *) ; admit (* " *).',
    'idtac "*)" ; admit (* "(*" *).',
    'idtac (* "*)" *) "; admit".',
    'idtac "a""" ; admit.',
    'idtac """" ; admit "".',
    'idtac "x". (* " *) Redirect "f" Print nat. (* " *)',
    'idtac "a"" ; admit.',
])
def test_quotes_and_comments_do_not_hide_cheats_or_commands(tactic: str):
    with pytest.raises(TacticRejected):
        check_coq_tactic(tactic)


@pytest.mark.parametrize("tactic", ['idtac "a"" ; admit".', 'idtac "(* ; admit *)".', 'idtac "*)".'])
def test_comment_markers_and_cheats_inside_strings_are_only_text(tactic: str):
    assert check_coq_tactic(tactic) == [tactic]


# --- the guard in front of a real coqtop -------------------------------------------------------

SMUGGLED = [
    'Redirect "{out}" Print nat.',
    'idtac. Redirect "{out}" Print nat.',
    '- Redirect "{out}" Print nat.',
    'all: Redirect "{out}" Print nat.',
    '(Redirect "{out}" Print nat).',
    'idtac; Redirect "{out}" Print nat.',
    'idtac "x"; Redirect "{out}" Print nat.',
    'Extraction "{out}" nat.',
    'Load "{out}".',
    'Cd "{dir}".',
    'Declare ML Module "unix".',
    'intros.\nRedirect "{out}" Print nat.',
    'intros.\rRedirect "{out}" Print nat.',
    'idtac (* " *) ; Redirect "{out}" Print nat (* " *).',
    'idtac "a""" ; Redirect "{out}" Print nat.',
    'idtac "(*" ; Redirect "{out}" Print nat. (* *)',
    'idtac "a"" (* " ; Redirect "{out}" Print nat.',
]


@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop is not installed")
def test_smuggled_commands_never_reach_or_escape_coqtop(tmp_path: Path):
    from prover.coq import CoqEnv
    from prover.env import ProofState, TacticError, Theorem

    out = tmp_path / "leak"
    with CoqEnv() as env:
        s0 = env.open(Theorem("t", "forall n : nat, n = n"))
        for template in SMUGGLED:
            tactic = template.format(out=out, dir=tmp_path)
            before = env.stats.tactics_run
            sid = env.coqtop.state_id
            try:
                result = env.run_tac(s0, tactic, timeout=5)
            except TacticRejected:
                assert env.stats.tactics_run == before  # refused before coqtop saw it
                assert env.coqtop.state_id == sid
                continue
            # Let through as a tactic expression: Coq's grammar has no vernacular inside one.
            assert isinstance(result, TacticError), (tactic, result)
        assert isinstance(env.run_tac(s0, "intros n."), ProofState)
    assert not any(tmp_path.iterdir()), "a command wrote a file"
    assert list(Path.cwd().glob("leak*")) == []


@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop is not installed")
def test_a_cheat_inside_a_coq_string_is_printed_not_run():
    from prover.coq import CoqEnv
    from prover.env import ProofState, Theorem

    with CoqEnv() as env:
        s0 = env.open(Theorem("t", "forall n : nat, n = n"))
        for tactic in ['idtac "a"" ; admit".', 'idtac "(* ; admit *)".']:
            result = env.run_tac(s0, tactic, timeout=5)
            # One idtac ran: the goal is still open, nothing was admitted.
            assert isinstance(result, ProofState) and result.num_goals == 1, (tactic, result)
