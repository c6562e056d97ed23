"""What a library theorem's own file had defined where the theorem stands: its file prefix.

Tactician and CoqHammer are measured this way on the standard library: a theorem is proved in
the environment its file had built when it was stated, with every earlier lemma of the file and
nothing after it. A theorem's prelude is the normalized sentences of its file before its start,
run as they are (proofs included), then ``End S.`` for each section still open there, so the
closed statement (section variables quantified) and the earlier lemmas (generalized over them)
read as they do after the section. Modules stay open.

The prefix runs in the ``Top`` module of an ordinary ``coqtop``, not as the library itself: a
configuration's imports (CoqHammer's load ``List``, ``BinInt`` and some 190 more) may load the
compiled file beside it, and a library cannot be loaded under its own name. Lemmas after the
theorem can therefore still be in scope through those imports; the leak check
(:mod:`prover.search.leak_check`) refuses proofs that use them. Files of ``Init`` build the
prelude itself (``coqtop -noinit``) and get no prelude.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from prover.coq.outline import strip_attributes, track_nesting
from prover.coq.sentences import normalize, split_sentences


def offset_of(src: str, line: int, column: int) -> int:
    """Character offset of a 1-based (line, column) position."""
    lines = src.split("\n")
    if not 1 <= line <= len(lines):
        raise ValueError(f"line {line} is outside the file ({len(lines)} lines)")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def file_prefix(src: str, offset: int) -> tuple[str, ...]:
    """The sentences of ``src`` that end before ``offset``, then ``End`` for the sections open there."""
    out: list[str] = []
    stack: list[tuple[str, str]] = []
    for s in split_sentences(src, allow_incomplete=True):
        if s.end > offset:
            break
        text = normalize(s.text)
        if not text:
            continue
        out.append(text)
        track_nesting(stack, strip_attributes(text))
    while stack and stack[-1][0] == "section":
        out.append(f"End {stack.pop()[1]}.")
    return tuple(out)


@lru_cache(maxsize=64)
def _source(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _theories() -> Path:
    from prover.coq.trace_pipeline import theories_dir

    return theories_dir()


def library_prelude(file_path: str, start: tuple[int, int], root: str | Path | None = None) -> tuple[str, ...]:
    """The prelude of a traced theorem of the standard library (``file_path`` as the dataset
    writes it, ``theories/Lists/List.v``; ``start`` its 1-based line and column); empty for
    files of ``Init`` and for files not found under ``root`` (``coqc -where`` by default)."""
    rel = file_path.removeprefix("theories/")
    if rel.startswith("Init/"):
        return ()
    path = (_theories() if root is None else Path(root)) / rel
    if not path.is_file():
        return ()
    src = _source(str(path))
    return file_prefix(src, offset_of(src, start[0], start[1]))
