"""Split Coq source text into sentences, the unit that ``coqtop`` executes one per line.

A sentence ends at a ``.`` followed by whitespace or the end of the text. Comments
(``(* ... *)``, nested, with strings inside them lexed as strings, as Coq does) and strings
(``"..."`` with ``""`` as an escaped quote) never end a sentence. At the start of a sentence a
bullet (a run of one of ``- + *``), an opening or closing brace, or a goal selector followed by
a brace (``2: {``) is a sentence of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from common.errors import ProofplanError


class SentenceError(ProofplanError):
    """The text cannot be split: an unterminated comment or string."""


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text`` is the raw source slice ``source[start:end]`` (comments kept)."""

    text: str
    start: int
    end: int

    @property
    def clean(self) -> str:
        """The sentence without comments, whitespace outside strings collapsed to one space."""
        return normalize(self.text)

    @property
    def is_bullet_or_brace(self) -> bool:
        return is_bullet_or_brace(self.clean)


_BULLET_CHARS = "-+*"
_STRING_OR_COMMENT = re.compile(r'"|\(\*')
_GOAL_SELECTOR = r"(?:\d+|\[\s*[A-Za-z_][\w']*\s*\]|all)\s*:"
_SELECTOR_BRACE = re.compile(_GOAL_SELECTOR + r"\s*\{")
_BULLET_OR_BRACE = re.compile(r"^(?:[-]+|[+]+|[*]+|\{|\}|" + _GOAL_SELECTOR + r"\s*\{)$")
_SELECTED = re.compile(r"\s*(?:" + _GOAL_SELECTOR + r"|par\s*:)")


def is_bullet_or_brace(text: str) -> bool:
    """Whether a (clean) sentence is a bullet, a brace, or ``N: {``."""
    return bool(_BULLET_OR_BRACE.match(text.strip()))


def without_focusing(sentences: list[str]) -> str | None:
    """The one tactic of ``sentences`` (a tactic's sentences, as the guard splits them) without
    the bullets and braces around it, a ``N: {`` turned into the selector ``N:`` on the tactic;
    None when they hold no such marks or not exactly one tactic."""
    body = [s for s in sentences if not is_bullet_or_brace(s)]
    if len(body) != 1 or len(body) == len(sentences):
        return None
    selector = next((s for s in sentences if _SELECTOR_BRACE.fullmatch(s.strip())), None)
    if selector is None or _SELECTED.match(body[0]):
        return body[0]
    return f"{selector.strip()[:-1].strip()} {body[0]}"


def _skip_string(src: str, i: int) -> int:
    """``src[i]`` is an opening quote; return the index just past the closing quote."""
    n = len(src)
    j = i + 1
    while j < n:
        if src[j] == '"':
            if j + 1 < n and src[j + 1] == '"':
                j += 2
                continue
            return j + 1
        j += 1
    raise SentenceError(f"unterminated string starting at character {i}")


def _skip_comment(src: str, i: int) -> int:
    """``src[i:i+2]`` is ``(*``; return the index just past the matching ``*)``."""
    n = len(src)
    depth = 0
    j = i
    while j < n:
        if src.startswith("(*", j):
            depth += 1
            j += 2
        elif src.startswith("*)", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        elif src[j] == '"':
            j = _skip_string(src, j)
        else:
            j += 1
    raise SentenceError(f"unterminated comment starting at character {i}")


def _skip_blank(src: str, i: int) -> int:
    """Skip whitespace and comments from ``i``."""
    n = len(src)
    while i < n:
        if src[i].isspace():
            i += 1
        elif src.startswith("(*", i):
            i = _skip_comment(src, i)
        else:
            break
    return i


def split_sentences(src: str, allow_incomplete: bool = False) -> list[Sentence]:
    """Split ``src`` into sentences.

    Text after the last sentence that is not blank raises :class:`SentenceError`, unless
    ``allow_incomplete`` (then it is returned as a final unterminated sentence).
    """
    out: list[Sentence] = []
    n = len(src)
    i = _skip_blank(src, 0)
    while i < n:
        start = i
        c = src[i]
        if c in "{}":
            out.append(Sentence(src[i : i + 1], i, i + 1))
            i = _skip_blank(src, i + 1)
            continue
        if c in _BULLET_CHARS:
            j = i
            while j < n and src[j] == c:
                j += 1
            # ``*)`` cannot follow here (comments were skipped), and a bullet is a whole token.
            out.append(Sentence(src[i:j], i, j))
            i = _skip_blank(src, j)
            continue
        m = _SELECTOR_BRACE.match(src, i)
        if m:
            out.append(Sentence(src[i : m.end()], i, m.end()))
            i = _skip_blank(src, m.end())
            continue
        j = i
        end = -1
        while j < n:
            ch = src[j]
            if ch == '"':
                j = _skip_string(src, j)
            elif src.startswith("(*", j):
                j = _skip_comment(src, j)
            elif ch == ".":
                # "." or "..." (Proof with) before a blank ends a sentence; ".." is a token
                # of recursive notations and a "." inside a qualified name is not an end.
                k = j
                while k < n and src[k] == ".":
                    k += 1
                run = k - j
                if (k >= n or src[k].isspace()) and run in (1, 3):
                    end = k
                    break
                j = k
            else:
                j += 1
        if end < 0:
            if allow_incomplete:
                out.append(Sentence(src[start:].rstrip(), start, len(src.rstrip())))
                return out
            raise SentenceError(f"unterminated sentence: {src[start:start + 60]!r}")
        out.append(Sentence(src[start:end], start, end))
        i = _skip_blank(src, end)
    return out


def _runs(src: str) -> Iterator[tuple[bool, str]]:
    """``src`` as ``(is_string, text)`` runs, each comment turned into the run ``" "``."""
    i, n = 0, len(src)
    while i < n:
        m = _STRING_OR_COMMENT.search(src, i)
        if m is None:
            yield False, src[i:]
            return
        if m.start() > i:
            yield False, src[i : m.start()]
        if m.group() == '"':
            i = _skip_string(src, m.start())
            yield True, src[m.start() : i]
        else:
            i = _skip_comment(src, m.start())
            yield False, " "


def strip_comments(src: str) -> str:
    """``src`` with every comment replaced by one space (strings kept intact)."""
    return "".join(text for _, text in _runs(src))


def normalize(src: str) -> str:
    """Remove comments and collapse whitespace outside strings to single spaces."""
    parts: list[str] = []
    for is_string, runs in groupby(_runs(src), key=itemgetter(0)):
        text = "".join(t for _, t in runs)
        parts.append(text if is_string else re.sub(r"\s+", " ", text))
    return "".join(parts).strip()


def line_col(src: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset, as LeanDojo positions are written."""
    line = src.count("\n", 0, offset) + 1
    col = offset - (src.rfind("\n", 0, offset) + 1) + 1
    return line, col
