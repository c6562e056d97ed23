"""The tactic guard's rules for Lean 4: one tactic, no commands, no escape hatches.

Model-written tactics are untrusted text. Before a Lean backend sends one, :func:`check_lean_tactic`
rejects (with :class:`prover.env.TacticRejected`):

* ``#``-commands (``#eval``, ``#exit``, ``#print``, ...) and declaration/command keywords
  (``import``, ``theorem``, ``def``, ``set_option``, ``namespace``, ...) instead of a tactic;
* code that runs arbitrary programs or touches the system (``run_tac``, ``run_cmd``,
  ``run_elab``, ``IO``, ``System``, ``unsafe``, ``implemented_by``, ``extern``, ...);
* tactics that close goals without proving them (``sorry``, ``admit``, ``native_decide``,
  ``sorryAx``, ``ofReduceBool``);
* several top-level tactics (a second unindented line); a multi-line tactic whose later lines
  are indented or are ``| pattern => ...`` alternatives (``induction n with``, ``calc`` steps)
  is one.

These rules apply to the code only. :func:`lean_code` first reads the tactic once as Lean's
tokenizer does: ``--`` and nested ``/- -/`` comments, string literals with escapes (the
``{...}`` parts of interpolated strings are code), character literals (``'"'``, but not the
prime of ``h'``) and ``«...»`` names, whose words count as names (``«IO».Process.run`` is
``IO.Process.run``). Unterminated comments, literals and names are rejected, and so are forms
that Lean may read differently from the guard depending on its release or on notation tokens
(a quote or a comment marker right after a symbol, raw strings, doc comments, a string whose
end depends on whether it is interpolated). This assumes the Lean side parses a submitted tactic
on its own (``Parser.runParserCategory``, as the REPL and LeanDojo servers do), without the
command loop's error recovery, so a tactic Lean cannot read fails before anything runs.
"""

from __future__ import annotations

import re

from prover.env import TacticRejected
from prover.guard import GuardRules, TacticGuard

LEAN_COMMAND_KEYWORDS = frozenset(
    {
        "import",
        "theorem",
        "lemma",
        "def",
        "example",
        "abbrev",
        "instance",
        "structure",
        "class",
        "inductive",
        "axiom",
        "axioms",
        "opaque",
        "namespace",
        "section",
        "end",
        "variable",
        "universe",
        "attribute",
        "set_option",
        "macro",
        "macro_rules",
        "syntax",
        "elab",
        "elab_rules",
        "notation",
        "infix",
        "infixl",
        "infixr",
        "prefix",
        "postfix",
        "mutual",
        "noncomputable",
        "private",
        "protected",
        "partial",
        "deriving",
        "initialize",
        "builtin_initialize",
        "export",
        "declare_syntax_cat",
        "add_decl_doc",
        "omit",
        "include",
        "local",
        "scoped",
    }
)
LEAN_FORBIDDEN_WORDS = frozenset(
    {
        # closes goals without a proof
        "sorry",
        "admit",
        "sorryAx",
        "native_decide",
        "ofReduceBool",
        # runs meta-programs, programs or system calls
        "run_tac",
        "run_cmd",
        "run_elab",
        "run_meta",
        "by_elab",
        "IO",
        "System",
        "unsafe",
        "implemented_by",
        "extern",
        "evalExpr",
        "evalConst",
        "dbg_trace",
        "dbgTrace",
        "set_option",
        "initialize",
        "builtin_initialize",
        "macro",
        "macro_rules",
        "elab",
        "elab_rules",
        "syntax",
    }
)
# ``#eval``, ``#exit``, ``#check``: a hash directly before a name, in code.
HASH_COMMAND = re.compile(r"#[A-Za-z_]")
# Tactics start with a lower-case name (``exact``, ``simp_all``), a bullet or a bracket.
LEAN_LEADING = re.compile(r"^\s*(?:[a-z_]|[·.({])")
LEAN_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class LeanLexError(ValueError):
    """The tactic cannot be read the way Lean reads it."""


class UnreadableTactic(LeanLexError):
    """Lean cannot read this either (unterminated literal or comment, bad escape)."""


class AmbiguousTactic(LeanLexError):
    """Lean may read this differently from the guard, depending on its version or notations."""


# Tokens that are always followed by an interpolated string (both are in Lean's ``Init``).
INTERPOLATING_TOKENS = frozenset({"s!", "f!"})
MAX_INTERPOLATION_DEPTH = 16
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = frozenset("\\\"'nrt")
# A ``'`` opens a character literal only after these; after any other symbol it may end a
# notation token instead (``Σ'``, ``∑'``), so the guard refuses to guess.
_BEFORE_CHAR_LITERAL = frozenset(" \n\t\r([{⟨,")
# ``--`` and ``/-`` open a comment only at the start of a token; after a symbol they might be
# inside a longer notation token.
_BEFORE_COMMENT = frozenset(" \n\t\r()[]{}⟨⟩,;\"'»")
_WORD_CHAR = re.compile(r"\w")


def _letter_like(c: str) -> bool:
    """``Lean.isLetterLike`` as every Lean 4 release has it."""
    v = ord(c)
    return (
        (0x3B1 <= v <= 0x3C9 and v != 0x3BB)
        or (0x391 <= v <= 0x3A9 and v not in (0x3A0, 0x3A3))
        or 0x3CA <= v <= 0x3FB
        or 0x1F00 <= v <= 0x1FFE
        or 0x2100 <= v <= 0x214F
        or 0x1D49C <= v <= 0x1D59F
    )


def _newer_letter(c: str) -> bool:
    """Latin-1 and Latin Extended-A letters: identifier characters only in newer Lean releases."""
    v = ord(c)
    return (0xC0 <= v <= 0xFF and v not in (0xD7, 0xF7)) or 0x100 <= v <= 0x17F


def _id_first(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z") or c == "_" or _letter_like(c) or _newer_letter(c)


def _id_rest(c: str) -> bool:
    v = ord(c)
    return (
        _id_first(c)
        or c in _DIGITS
        or c in "'!?"
        or 0x2080 <= v <= 0x209C
        or 0x1D62 <= v <= 0x1D6A
        or v == 0x2C7C
    )


def _version_dependent(c: str) -> bool:
    """Identifier characters that some Lean releases read as the end of the name."""
    return _newer_letter(c) or c in "!?" or ord(c) == 0x2C7C


class _LeanLexer:
    """One pass over a tactic: comments, string/char literals and ``«»`` names, as Lean reads them.

    The output (:meth:`code`) keeps the code and blanks the rest: a comment becomes spaces (its
    line breaks kept), a string ``""`` followed by its interpolated code parts in parentheses, a
    character literal ``' '``, a ``«name»`` the words of the name. Characters that Python counts
    as word characters but Lean does not (``λ``, ``Π``, Cyrillic letters) become spaces, so that
    a word search over the output finds the names Lean sees.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def code(self) -> str:
        out: list[str] = []
        self._code(0, out, depth=0)
        return "".join(out)

    def _code(self, i: int, out: list[str], depth: int) -> int:
        """Lex code from ``i``; inside an interpolation (``depth > 0``) stop after its ``}``."""
        text, n = self.text, self.n
        braces = 0
        last_name: str | None = None  # the name just before, if only blanks and comments follow
        while i < n:
            c = text[i]
            nxt = text[i + 1] if i + 1 < n else ""
            if c == "-" and nxt == "-":
                self._check_comment_start(i)
                j = text.find("\n", i)
                j = n if j < 0 else j
                out.append(" " * (j - i))
                i = j
            elif c == "/" and nxt == "-":
                if i + 2 < n and text[i + 2] in "-!":
                    raise AmbiguousTactic("doc comments are not allowed in a tactic")
                self._check_comment_start(i)
                j = self._block_comment_end(i)
                out.append(re.sub(r"[^\n]", " ", text[i:j]))
                i = j
            elif c == '"':
                i = self._string(i, out, depth, last_name in INTERPOLATING_TOKENS)
                last_name = None
            elif c == "'":
                i = self._char(i, out)
                last_name = None
            elif c == "«" or _id_first(c):
                j = self._name(i, out)
                last_name = text[i:j]
                i = j
            elif c in _DIGITS:
                j = self._number(i)
                out.append(text[i:j])
                last_name = None
                i = j
            else:
                if depth and c == "{":
                    braces += 1
                elif depth and c == "}":
                    if braces == 0:
                        return i + 1
                    braces -= 1
                if not c.isspace():
                    last_name = None
                out.append(" " if _WORD_CHAR.match(c) else c)
                i += 1
        if depth:
            raise UnreadableTactic("unterminated string interpolation")
        return i

    def _check_comment_start(self, i: int) -> None:
        prev = self.text[i - 1] if i else " "
        if prev not in _BEFORE_COMMENT and not _id_rest(prev):
            raise AmbiguousTactic(f"comment marker {self.text[i:i + 2]!r} right after {prev!r}")

    def _block_comment_end(self, i: int) -> int:
        """``/-`` at ``i``: the index after the matching ``-/`` (block comments nest)."""
        text, n = self.text, self.n
        j, nesting = i + 2, 1
        while j < n:
            pair = text[j : j + 2]
            if pair == "-/":
                nesting -= 1
                j += 2
                if nesting == 0:
                    return j
            elif pair == "/-":
                nesting += 1
                j += 2
            else:
                j += 1
        raise UnreadableTactic("unterminated comment")

    def _escape(self, j: int, in_string: bool, interpolated: bool) -> int:
        """A backslash at ``j``: the index after the escape sequence."""
        text, n = self.text, self.n
        c = text[j + 1] if j + 1 < n else ""
        if not c:
            raise UnreadableTactic("unterminated escape sequence")
        if c in _SIMPLE_ESCAPES or (interpolated and c == "{") or (in_string and c == "\n"):
            return j + 2
        width = {"x": 2, "u": 4}.get(c)
        if width and len(text[j + 2 : j + 2 + width]) == width and all(
            d in _HEX_DIGITS for d in text[j + 2 : j + 2 + width]
        ):
            return j + 2 + width
        raise UnreadableTactic(f"invalid escape sequence {text[j:j + 2]!r}")

    def _plain_string_end(self, i: int) -> int:
        text, n = self.text, self.n
        j = i + 1
        while j < n:
            c = text[j]
            if c == '"':
                return j + 1
            j = self._escape(j, True, False) if c == "\\" else j + 1
        raise UnreadableTactic("unterminated string literal")

    def _interpolated_string(self, i: int, depth: int) -> tuple[int, str]:
        """The end of an interpolated string at ``i`` and the code of its ``{...}`` parts."""
        if depth >= MAX_INTERPOLATION_DEPTH:
            raise AmbiguousTactic("string interpolation nested too deeply")
        text, n = self.text, self.n
        parts: list[str] = []
        j = i + 1
        while j < n:
            c = text[j]
            if c == '"':
                return j + 1, " ".join(parts)
            if c == "\\":
                j = self._escape(j, True, True)
            elif c == "{":
                part: list[str] = []
                j = self._code(j + 1, part, depth + 1)
                parts.append("".join(part))
            else:
                j += 1
        raise UnreadableTactic("unterminated string literal")

    def _string(self, i: int, out: list[str], depth: int, interpolated: bool) -> int:
        """A string at ``i``. Whether a string is interpolated depends on the notation before it
        (``s!``, ``m!``, ``throwError``); unless that is one of :data:`INTERPOLATING_TOKENS`,
        both readings are tried. A reading Lean cannot lex is dropped (Lean would fail on it);
        if both lex but end at different places, the tactic is ambiguous."""
        if interpolated:
            end, code = self._interpolated_string(i, depth)
            out.append(f'""({code})')
            return end
        plain_end: int | None = None
        plain_error: UnreadableTactic | None = None
        try:
            plain_end = self._plain_string_end(i)
        except UnreadableTactic as exc:
            plain_error = exc
        if plain_end is not None and "{" not in self.text[i:plain_end]:
            out.append('""')
            return plain_end
        try:
            end, code = self._interpolated_string(i, depth)
        except UnreadableTactic:
            if plain_error is not None:
                raise plain_error from None
            out.append('""')
            return plain_end
        if plain_end is not None and plain_end != end:
            raise AmbiguousTactic("a string with '{' reads differently as a plain and as an "
                                  "interpolated string")
        out.append(f'""({code})')
        return end

    def _char(self, i: int, out: list[str]) -> int:
        """A ``'`` at the start of a token: a character literal."""
        text, n = self.text, self.n
        prev = text[i - 1] if i else " "
        if prev not in _BEFORE_CHAR_LITERAL:
            raise AmbiguousTactic(f"a quote right after {prev!r} is ambiguous")
        if i + 1 >= n:
            raise UnreadableTactic("unterminated character literal")
        if text[i + 1] == "'":
            raise AmbiguousTactic("'' is not a character literal")
        j = self._escape(i + 1, False, False) if text[i + 1] == "\\" else i + 2
        if j >= n or text[j] != "'":
            raise UnreadableTactic("unterminated character literal")
        out.append("' '")
        return j + 1

    def _name(self, i: int, out: list[str]) -> int:
        """A (dotted) name at ``i``; ``«...»`` parts are written as their words."""
        text, n = self.text, self.n
        if text[i] == "r" and re.match(r'#*"', text[i + 1 :]):
            raise AmbiguousTactic("raw string literals are not allowed in a tactic")
        j = i
        while True:
            if text[j] == "«":
                k = text.find("»", j + 1)
                if k < 0:
                    raise UnreadableTactic("unterminated «name»")
                out.append("«" + re.sub(r"[^\w']", " ", text[j + 1 : k]) + "»")
                j = k + 1
            else:
                k = j + 1
                while k < n and _id_rest(text[k]):
                    k += 1
                part = text[j:k]
                prime = part.rfind("'")
                if prime > 0 and any(_version_dependent(ch) for ch in part[:prime]):
                    raise AmbiguousTactic(f"name {part!r}: where it ends depends on the Lean release")
                out.append(part)
                j = k
            if j + 1 < n and text[j] == "." and (text[j + 1] == "«" or _id_first(text[j + 1])):
                out.append(".")
                j += 1
                continue
            return j

    def _number(self, i: int) -> int:
        """A numeral at ``i`` (``0x1F``, ``1_000``, ``2.5e-3``): the index after it."""
        text, n = self.text, self.n
        if text[i] == "0" and text[i + 1 : i + 2] in ("x", "X", "b", "B", "o", "O"):
            allowed = {"x": _HEX_DIGITS, "b": frozenset("01"), "o": frozenset("01234567")}
            digits = allowed[text[i + 1].lower()]
            j = i + 2
            while j < n and (text[j] in digits or (text[j] == "_" and text[j + 1 : j + 2] in digits)):
                j += 1
            return j
        j = self._digits(i)
        if text[j : j + 1] == ".":
            j = self._digits(j + 1)
        if text[j : j + 1] in ("e", "E"):
            k = j + 1 + (text[j + 1 : j + 2] in ("+", "-"))
            if text[k : k + 1] in _DIGITS:
                j = self._digits(k)
        return j

    def _digits(self, j: int) -> int:
        text, n = self.text, self.n
        while j < n and (text[j] in _DIGITS or (text[j] == "_" and text[j + 1 : j + 2] in _DIGITS)):
            j += 1
        return j


def lean_code(tactic: str) -> str:
    """The tactic with comments, string/char literals and ``«»`` escapes blanked (see
    :class:`_LeanLexer`), or :class:`LeanLexError` when Lean could not read it, or might read it
    differently (unterminated comment, string, character literal or ``«``; a bad escape; a doc
    comment or raw string; a quote or comment marker right after a notation symbol)."""
    return _LeanLexer(tactic).code()


def _split_top_level(text: str) -> list[str]:
    """One sentence per unindented line; indented lines and ``| alt => ...`` match
    alternatives continue the sentence above."""
    sentences: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if sentences and (line[:1].isspace() or line.startswith("|")):
            sentences[-1] += "\n" + line
        else:
            sentences.append(line)
    return sentences


LEAN_RULES = GuardRules(
    name="lean",
    split=_split_top_level,
    is_structural=lambda s: s.strip() in {"·", "."},
    forbidden_words=LEAN_FORBIDDEN_WORDS,
    forbidden_leading=LEAN_COMMAND_KEYWORDS,
    leading_pattern=LEAN_LEADING,
    string_pattern=LEAN_STRING,
    mask=lean_code,
)

_GUARD = TacticGuard(LEAN_RULES)


def check_lean_tactic(tactic: str) -> str:
    """The tactic, stripped, or :class:`TacticRejected` with a one-line reason."""
    try:
        code = lean_code(tactic)
    except LeanLexError as e:
        raise TacticRejected(f"cannot read tactic: {e}") from None
    m = HASH_COMMAND.search(code)
    if m:
        word = re.match(r"#\w+", code[m.start() :])
        raise TacticRejected(f"command {word.group(0) if word else '#'!r} is not a tactic")
    _GUARD.check(tactic)
    return tactic.strip()
