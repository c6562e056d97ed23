"""Reject model-written tactics that are not a single plain tactic before they reach a prover.

Tactics come from language models, so they are untrusted text. A :class:`TacticGuard` checks
one tactic against a backend's :class:`GuardRules` and returns its sentences (for Coq: optional
bullets/braces, then at most one tactic sentence) or raises :class:`TacticRejected` with the
reason. Each backend supplies its rule set (:data:`prover.coq.guard.COQ_RULES`,
:mod:`prover.lean.guard`) with its own splitter and forbidden commands.
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
