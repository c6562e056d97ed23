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
from typing import TYPE_CHECKING

from prover.coq.outline import strip_attributes, track_nesting
from prover.coq.sentences import normalize, split_sentences

if TYPE_CHECKING:
    from prover.coq.project import CoqProject


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


def source_file(file_path: str, project: CoqProject | None = None) -> Path | None:
    """The source of a dataset path: ``theories/...`` in the standard library, ``<Library>/...``
    in an installed library, ``<name>/...`` in ``project``; None when unknown or missing."""
    from prover.coq.project import coq_where, installed_libraries

    head, _, rest = file_path.partition("/")
    if not rest:
        return None
    if project is not None and project.rel_of(file_path) is not None:
        path = project.root / rest
    elif head == "theories":
        path = coq_where() / "theories" / rest
    elif head in installed_libraries():
        path = coq_where() / "user-contrib" / head / rest
    else:
        return None
    return path if path.is_file() else None


def library_prelude(file_path: str, start: tuple[int, int], root: str | Path | None = None,
                    project: CoqProject | None = None) -> tuple[str, ...]:
    """The prelude of a traced theorem (``file_path`` as the dataset writes it,
    ``theories/Lists/List.v`` or ``Flocq/Core/Raux.v``; ``start`` its 1-based line and column);
    empty for files of the standard library's ``Init`` and for files not found (``root``: the
    standard library's sources, ``coqc -where`` by default)."""
    if file_path.startswith("theories/Init/"):
        return ()
    if root is not None and file_path.startswith("theories/"):
        path: Path | None = Path(root) / file_path.removeprefix("theories/")
        path = path if path.is_file() else None
    else:
        path = source_file(file_path, project)
    if path is None:
        return ()
    src = _source(str(path))
    return file_prefix(src, offset_of(src, start[0], start[1]))
