"""Outline of a Coq source file without running Coq: its imports and its declarations.

Used for the premise corpus (every definition, lemma and theorem with its statement text,
fully qualified name and position) and for the import graph. Full names follow Coq: the file's
logical path (``Coq.Arith.PeanoNat``), then the enclosing ``Module``s (sections add nothing),
then the name. Names that only exist through ``Include`` of a functor are not in the source;
the tracer adds them when a tactic uses one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from prover.coq.sentences import Sentence, line_col, normalize, split_sentences

ATTRS = re.compile(r"^(?:#\[[^\]]*\]\s*)*(?:(?:Local|Global|Polymorphic|Monomorphic|Program|Private|Cumulative|NonCumulative)\s+)*")
LEMMA_KINDS = ("Theorem", "Lemma", "Fact", "Remark", "Corollary", "Proposition", "Property")
DECL_KINDS = (
    *LEMMA_KINDS, "Example", "Definition", "Fixpoint", "CoFixpoint", "Let", "Inductive",
    "CoInductive", "Variant", "Record", "Structure", "Class", "Instance", "Parameter",
    "Parameters", "Axiom", "Axioms", "Conjecture", "Function", "Equations", "Scheme",
)
_DECL = re.compile(rf"^({'|'.join(DECL_KINDS)})\s+([A-Za-z_][\w']*)")
# group 3: a parameter after the name (``Module Make (X : OrderedType).``): a functor
_MODULE_OPEN = re.compile(r"^Module\s+(?:(Type)\s+)?(?:(?:Import|Export)\s+)?([A-Za-z_][\w']*)(\s*\()?")
_SECTION_OPEN = re.compile(r"^Section\s+([A-Za-z_][\w']*)")
_END = re.compile(r"^End\s+([A-Za-z_][\w']*)\s*\.$")
_REQUIRE = re.compile(r"^(?:From\s+([\w.']+)\s+)?Require\s+(?:(?:Import|Export)\s+)?(.*)\.$", re.S)
_IDENT = re.compile(r"[A-Za-z_][\w']*")
# ``Add Morphism f ... as name.`` opens the proof of the constant ``name`` (coqtop calls the proof
# ``branch``, the same for every morphism of a file)
_MORPHISM = re.compile(r"^Add\s+(?:Parametric\s+)?Morphism\b.*\bas\s+([A-Za-z_][\w']*)\s*\.$", re.S)
MAX_CODE_CHARS = 1000


@dataclass(frozen=True)
class Declaration:
    """One named declaration: ``code`` is its statement text (proof excluded)."""

    name: str
    full_name: str
    kind: str
    code: str
    start: tuple[int, int]
    end: tuple[int, int]
    #: Declared inside a module type or a functor: its full name refers to nothing outside them
    #: (what other files use is the copy an instance or ``Include`` makes, under another name).
    local: bool = False


@dataclass
class Outline:
    """A file's logical name, direct imports (logical names) and declarations, in order."""

    logical: str
    requires: list[str] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)


def logical_name(rel_path: str, prefix: str = "Coq") -> str:
    """``Arith/PeanoNat.v`` -> ``Coq.Arith.PeanoNat``."""
    parts = Path(rel_path).with_suffix("").parts
    return ".".join((prefix, *parts))


def strip_attributes(text: str) -> str:
    return ATTRS.sub("", text)


def _constructors(kind: str, text: str) -> list[str]:
    """Constructor (and record field) names of an inductive or record declaration."""
    _, sep, body = text.partition(":=")
    if not sep:
        return []
    names: list[str] = []
    if kind in ("Record", "Structure", "Class"):
        m = re.match(r"\s*([A-Za-z_][\w']*)?\s*\{(.*)\}", body, re.S)
        if m:
            if m.group(1):
                names.append(m.group(1))
            for fld in m.group(2).split(";"):
                fm = re.match(r"\s*([A-Za-z_][\w']*)\s*(?::|:=)", fld)
                if fm and fm.group(1) != "_":  # an anonymous field
                    names.append(fm.group(1))
        return names
    body = body.split(" with ")[0]
    for piece in body.split("|"):
        m = re.match(r"\s*([A-Za-z_][\w']*)", piece)
        if m:
            names.append(m.group(1))
    return names


def track_nesting(stack: list[tuple[str, str]], bare: str) -> bool:
    """Update ``stack`` (open ``("module" | "modtype" | "functor" | "section", name)`` from the
    outside in) for one sentence without attributes; whether it opened or closed one."""
    m = _MODULE_OPEN.match(bare)
    if m and ":=" not in bare:
        stack.append(("modtype" if m.group(1) else "functor" if m.group(3) else "module", m.group(2)))
        return True
    m = _SECTION_OPEN.match(bare)
    if m:
        stack.append(("section", m.group(1)))
        return True
    m = _END.match(bare)
    if m:
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][1] == m.group(1):
                del stack[i:]
                break
        return True
    return False


def outline(src: str, logical: str, sentences: list[Sentence] | None = None) -> Outline:
    """Parse ``src`` (a ``.v`` file) into an :class:`Outline`."""
    sentences = split_sentences(src, allow_incomplete=True) if sentences is None else sentences
    out = Outline(logical)
    stack: list[tuple[str, str]] = []  # ("module" | "modtype" | "functor" | "section", name)
    for s in sentences:
        text = normalize(s.text)
        bare = strip_attributes(text)
        m = _REQUIRE.match(bare)
        if m:
            prefix = m.group(1)
            mods = [x for x in m.group(2).split() if _IDENT.match(x)]
            out.requires.extend(f"{prefix}.{x}" if prefix else x for x in mods)
            continue
        if track_nesting(stack, bare):
            continue
        m = _DECL.match(bare)
        if m:
            kind, name = m.group(1), m.group(2)
        elif morphism := _MORPHISM.match(bare):
            kind, name = "Morphism", morphism.group(1)
        else:
            continue
        modules = [n for k, n in stack if k != "section"]
        local = any(k in ("modtype", "functor") for k, _ in stack)
        base = ".".join([logical, *modules])
        code = text
        if kind not in ("Inductive", "CoInductive", "Variant", "Record", "Structure", "Class"):
            # Keep the statement, not a definition's body when it is long.
            if len(code) > MAX_CODE_CHARS:
                code = code[:MAX_CODE_CHARS] + " ..."
        start = line_col(src, s.start)
        end = line_col(src, s.end)
        out.declarations.append(Declaration(name, f"{base}.{name}", kind, code[:MAX_CODE_CHARS], start, end, local))
        if kind in ("Inductive", "CoInductive", "Variant", "Record", "Structure", "Class"):
            for c in _constructors(kind, text):
                if c != name:
                    out.declarations.append(
                        Declaration(c, f"{base}.{c}", "Constructor", code[:MAX_CODE_CHARS], start, end, local)
                    )
    return out
