"""The holes of a Coq file: lemmas closed by ``Admitted.`` or whose proof uses ``admit``.

A hole is found from the file's sentences alone (no Coq run): the statement sentence, the
proof's sentences up to its terminator, and the character span they cover, so the proof can be
replaced in place (:func:`fill`). :func:`prefix_before` gives what the file defines where a hole
stands, each earlier hole closed by ``Admitted.`` (its statement stays usable, as the file
allows), sections and modules left open as they are there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from prover.coq.outline import strip_attributes, track_nesting
from prover.coq.sentences import Sentence, line_col, normalize, split_sentences

#: Sentences that open a proof to fill: the statement keywords of lemmas (and examples).
_STATEMENT = re.compile(
    r"^(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Property|Example)\s+([A-Za-z_][\w']*)\b")
_TERMINATOR = re.compile(r"^(Qed|Defined|Admitted|Abort|Save)\b")
_PROOF_TERM = re.compile(r"^Proof\s+(?!with\b|using\b)\S")
_PROOF_HEADER = re.compile(r"^Proof\b")
_ADMIT = re.compile(r"(?<![\w'])(?:admit|give_up)\s*\.$")


@dataclass(frozen=True)
class Hole:
    """A lemma of the file whose proof is missing or unfinished."""

    name: str
    kind: str
    statement: str  # the statement sentence, normalized (``Lemma foo (n : nat) : ....``)
    start: tuple[int, int]  # 1-based line, column of the statement
    index: int  # index of the statement among the file's sentences
    end_index: int  # index of the terminator sentence
    span: tuple[int, int]  # characters from the statement's end to the terminator's end
    header: str | None  # ``Proof using x y.`` etc. to keep, or None
    reason: str  # "Admitted" or "admit"


@lru_cache(maxsize=8)
def _sentences(src: str) -> tuple[Sentence, ...]:
    """The file's sentences, split once per text (every hole's prefix reads the same file)."""
    return tuple(split_sentences(src, allow_incomplete=True))


def find_holes(src: str) -> list[Hole]:
    """Every hole of ``src`` in file order."""
    sentences = _sentences(src)
    holes: list[Hole] = []
    i = 0
    while i < len(sentences):
        text = normalize(sentences[i].text)
        m = _STATEMENT.match(strip_attributes(text))
        if not m:
            i += 1
            continue
        j = i + 1
        admits = False
        while j < len(sentences):
            t = normalize(sentences[j].text)
            if _TERMINATOR.match(t) or (j == i + 1 and _PROOF_TERM.match(t)):
                break
            if _ADMIT.search(t):
                admits = True
            j += 1
        if j >= len(sentences):
            break
        term = normalize(sentences[j].text)
        if term.startswith("Admitted") or (admits and not term.startswith("Abort")):
            first = normalize(sentences[i + 1].text) if i + 1 < j else ""
            header = first if first and _PROOF_HEADER.match(first) and not _PROOF_TERM.match(first) and first != "Proof." else None
            holes.append(Hole(
                name=m.group(2), kind=m.group(1), statement=text, start=line_col(src, sentences[i].start),
                index=i, end_index=j, span=(sentences[i].end, sentences[j].end), header=header,
                reason="Admitted" if term.startswith("Admitted") and not admits else "admit",
            ))
        i = j + 1
    return holes


def prefix_before(src: str, hole: Hole, holes: list[Hole]) -> tuple[str, ...]:
    """The normalized sentences of ``src`` before ``hole``'s statement, each earlier hole's proof
    replaced by ``Admitted.`` (an ``admit`` followed by ``Qed`` would not close)."""
    sentences = _sentences(src)
    skip: dict[int, int] = {h.index + 1: h.end_index for h in holes if h.index < hole.index}
    out: list[str] = []
    k = 0
    while k < hole.index:
        if k in skip:
            out.append("Admitted.")
            k = skip[k] + 1
            continue
        text = normalize(sentences[k].text)
        if text:
            out.append(text)
        k += 1
    return tuple(out)


def proof_text(tactics: list[str], header: str | None = None) -> str:
    """A proof as it is written back: ``Proof.``, one tactic a line, ``Qed.``."""
    return "\n" + "\n".join([header or "Proof.", *(f"  {t}" for t in tactics), "Qed."])


def fill(src: str, proofs: dict[int, list[str]], holes: list[Hole], imports: tuple[str, ...] = ()) -> str:
    """``src`` with the holes whose ``index`` is in ``proofs`` replaced by those proofs, and
    ``imports`` (what the proofs were checked with that the file lacks, e.g. CoqHammer's
    tactics) inserted at the top level before the first of them."""
    filled = [h for h in holes if h.index in proofs]
    for hole in sorted(filled, key=lambda h: -h.span[0]):
        a, b = hole.span
        src = src[:a] + proof_text(proofs[hole.index], hole.header) + src[b:]
    if filled and imports:
        at = top_level_start(src, min(h.index for h in filled))
        src = src[:at] + " ".join(imports) + "\n" + src[at:]
    return src


def top_level_start(src: str, index: int) -> int:
    """Character offset where a top-level sentence may go before sentence ``index``: the start of
    the outermost section or module open there, or of that sentence itself."""
    sentences = _sentences(src)
    stack: list[tuple[str, str]] = []
    opened_at: list[int] = []
    for k in range(index):
        before = len(stack)
        track_nesting(stack, strip_attributes(normalize(sentences[k].text)))
        if len(stack) > before:
            opened_at.append(k)
        del opened_at[len(stack):]
    k = opened_at[0] if stack and opened_at else index
    start = sentences[k].start
    return src.rfind("\n", 0, start) + 1 if src[src.rfind("\n", 0, start) + 1:start].strip() == "" else start
