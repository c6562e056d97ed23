"""Reject model-written tactics that are not a single plain tactic before they reach a prover.

Tactics come from language models, so they are untrusted text. A :class:`TacticGuard` checks
one tactic against a backend's :class:`GuardRules` and returns its sentences (for Coq: optional
bullets/braces, then at most one tactic sentence) or raises :class:`TacticRejected` with the
reason. Each backend supplies its rule set (``COQ_RULES`` here; Lean backends build their own
``GuardRules`` with their own splitter and forbidden commands).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from prover.env import TacticRejected


@dataclass(frozen=True)
class GuardRules:
    """What one backend accepts as a tactic.

    ``split`` turns the tactic into sentences (raising ``ValueError`` or a ``ProofplanError`` on
    unterminated strings/comments); ``is_structural`` marks sentences that only move focus
    (bullets, braces), and ``is_closing`` those that may follow the tactic (``}``);
    ``forbidden_words`` may not occur as a word anywhere outside strings;
    ``forbidden_leading`` may not start a sentence; ``leading_pattern`` must match every
    non-structural sentence; ``comment_markers`` may not occur outside strings. ``mask``, where
    set, replaces the string/comment handling: it blanks comments and literals with the backend's
    own lexer (raising ``ValueError`` on text it cannot read), and every later check, and the
    returned sentences, see its output.
    """

    name: str
    split: Callable[[str], list[str]]
    is_structural: Callable[[str], bool]
    is_closing: Callable[[str], bool] = lambda s: False
    forbidden_words: frozenset[str] = frozenset()
    forbidden_leading: frozenset[str] = frozenset()
    leading_pattern: re.Pattern[str] | None = None
    comment_markers: tuple[str, ...] = ()
    max_chars: int = 2000
    max_tactic_sentences: int = 1
    string_pattern: re.Pattern[str] = field(default=re.compile(r'"(?:[^"]|"")*"'))
    mask: Callable[[str], str] | None = None


class TacticGuard:
    """Checks tactics against one backend's rules."""

    def __init__(self, rules: GuardRules) -> None:
        self.rules = rules

    def check(self, tactic: str) -> list[str]:
        """The tactic's sentences, or :class:`TacticRejected` with a one-line reason."""
        r = self.rules
        text = tactic.strip()
        if not text:
            raise TacticRejected("empty tactic")
        if len(text) > r.max_chars:
            raise TacticRejected(f"tactic longer than {r.max_chars} characters")
        if "\x00" in text or any(ord(c) < 32 and c not in "\n\t\r" for c in text):
            raise TacticRejected("tactic contains control characters")
        if r.mask is not None:
            try:
                text = r.mask(text).strip()
            except ValueError as e:
                raise TacticRejected(f"cannot read tactic: {e}") from None
            if not text:
                raise TacticRejected("empty tactic")
        for marker in r.comment_markers:
            if marker in r.string_pattern.sub('""', text):
                raise TacticRejected("comments are not allowed in a tactic")
        try:
            sentences = r.split(text)
        except Exception as e:  # the splitter's own error type varies by backend
            raise TacticRejected(f"cannot split tactic: {e}") from None
        if not sentences:
            raise TacticRejected("empty tactic")
        tactic_idx = [i for i, s in enumerate(sentences) if not r.is_structural(s)]
        if len(tactic_idx) > r.max_tactic_sentences:
            raise TacticRejected(f"only one tactic sentence is allowed, got {len(tactic_idx)}")
        if tactic_idx:
            trailing = sentences[tactic_idx[-1] + 1 :]
            if any(not r.is_closing(s) for s in trailing):
                raise TacticRejected("only closing braces may follow the tactic")
        tactic_sentences = [sentences[i] for i in tactic_idx]
        for s in tactic_sentences:
            self._check_sentence(s)
        return sentences

    def _check_sentence(self, sentence: str) -> None:
        r = self.rules
        bare = r.string_pattern.sub('""', sentence)
        words = re.findall(r"[A-Za-z_][\w']*", bare)
        if not words:
            raise TacticRejected(f"not a tactic: {sentence!r}")
        lead = words[0]
        if lead in r.forbidden_leading:
            raise TacticRejected(f"command {lead!r} is not a tactic")
        bad = [w for w in words if w in r.forbidden_words]
        if bad:
            raise TacticRejected(f"forbidden word {bad[0]!r} in tactic")
        if r.leading_pattern is not None and not r.leading_pattern.match(sentence):
            raise TacticRejected(f"not a tactic sentence: {sentence[:80]!r}")


def _coq_split(text: str) -> list[str]:
    from prover.coq.sentences import normalize, split_sentences

    body = text.strip()
    if not body.endswith(".") and not _coq_structural(body.split()[-1] if body else ""):
        body += "."
    return [normalize(s.text) for s in split_sentences(body)]


def _coq_structural(sentence: str) -> bool:
    from prover.coq.sentences import is_bullet_or_brace

    return is_bullet_or_brace(sentence)


# Vernacular commands that can touch files, the OS, the plugin loader, or global state, plus
# the commands that end or abandon a proof. ``COQ_LEADING`` below refuses every sentence that
# does not start like a tactic (all vernacular is capitalised); this list names the reason.
COQ_FORBIDDEN_VERNACULAR = frozenset(
    {
        "Load", "Redirect", "Drop", "Require", "Extraction", "Recursive", "Separate",
        "Declare", "ML", "Module", "Cd", "Pwd", "Add", "LoadPath", "Set", "Unset", "Local",
        "Global", "Export", "Import", "From", "Qed", "Defined", "Admitted", "Abort", "Save",
        "Restart", "Undo", "BackTo", "Back", "Reset", "Quit", "Time", "Timeout", "Fail",
        "Succeed", "Instructions", "Profile", "Optimize", "Print", "Locate", "Search",
        "SearchPattern", "SearchRewrite", "Check", "Eval", "Compute", "Show", "Proof",
        "Theorem", "Lemma", "Definition", "Fixpoint", "Axiom", "Parameter", "Hypothesis",
        "Variable", "Ltac", "Ltac2", "Tactic", "Notation", "Infix", "Hint", "Obligation",
        "Next", "Existing", "Instance", "Class", "Inductive", "Program", "Opaque",
        "Transparent", "Arguments", "Section", "End", "Goal", "Write", "State", "Register",
        "Primitive", "Strategy", "Attributes", "Debug", "Guarded", "Focus", "Unfocus",
        "Unfocused", "Abstract", "Comments", "Reserved", "Coercion", "Canonical", "Scheme",
        "Combined", "Functional", "Derive", "Typeclasses", "Create", "Remove", "Test",
    }
)
# Tactics that close goals without proving them.
COQ_CHEATING_TACTICS = frozenset({"admit", "give_up", "Admitted"})
# A Coq tactic starts with a lower-case tactic name, an Ltac keyword, a goal selector
# (``2:``, ``all:``, ``[H]:``) or an opening parenthesis/bracket of a tactic expression.
# The lookahead stops a selector (``all:``, ``[H]:``) from passing as a lower-case tactic name.
COQ_LEADING = re.compile(r"^\s*(?:(?:\d+|all|\[\s*[A-Za-z_][\w']*\s*\]|par)\s*:\s*)?"
                         r"(?!(?:\d+|all|par|\[\s*[A-Za-z_][\w']*\s*\])\s*:)(?:[a-z_(\[]|\d+\s*:)")

COQ_RULES = GuardRules(
    name="coq",
    split=_coq_split,
    is_structural=_coq_structural,
    is_closing=lambda s: s.strip() == "}",
    forbidden_words=COQ_CHEATING_TACTICS,
    forbidden_leading=COQ_FORBIDDEN_VERNACULAR,
    leading_pattern=COQ_LEADING,
    comment_markers=("(*", "*)"),
)

COQ_GUARD = TacticGuard(COQ_RULES)


def check_coq_tactic(tactic: str) -> list[str]:
    """Sentences of a Coq tactic (bullets/braces, then one tactic), or ``TacticRejected``."""
    return COQ_GUARD.check(tactic)
