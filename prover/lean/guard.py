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
"""

from __future__ import annotations

import re

from prover.env import TacticRejected
from prover.tactic_guard import GuardRules, TacticGuard

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
# ``#eval``, ``#exit``, ``#check``: a hash directly before an identifier outside a string.
HASH_COMMAND = re.compile(r"(?<![\w.'])#[A-Za-z_]")
# Tactics start with a lower-case name (``exact``, ``simp_all``), a bullet or a bracket.
LEAN_LEADING = re.compile(r"^\s*(?:[a-z_]|[·.({])")
LEAN_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


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
)

_GUARD = TacticGuard(LEAN_RULES)


def check_lean_tactic(tactic: str) -> str:
    """The tactic, stripped, or :class:`TacticRejected` with a one-line reason."""
    bare = LEAN_STRING.sub('""', tactic)
    m = HASH_COMMAND.search(bare)
    if m:
        word = re.match(r"#\w+", bare[m.start() :])
        raise TacticRejected(f"command {word.group(0) if word else '#'!r} is not a tactic")
    _GUARD.check(tactic)
    return tactic.strip()
