"""The Coq tactic guard: one plain tactic sentence (bullets and braces around it allowed), no
vernacular command that touches files, the OS or global state, no cheating tactic."""

from __future__ import annotations

import re

from prover.guard import GuardRules, TacticGuard


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
# A Coq tactic starts with a lower-case tactic name, a qualified one (``Z.swap_greater``: an Ltac
# of a module; no vernacular command is qualified), an Ltac keyword, a goal selector (``2:``,
# ``1-3:``, ``1,2:``, ``all:``, ``[H]:``) or an opening parenthesis/bracket of a tactic expression.
# The lookahead stops a selector (``all:``, ``[H]:``) from passing as a lower-case tactic name.
_SELECTOR = r"(?:\d+(?:\s*-\s*\d+)?(?:\s*,\s*\d+(?:\s*-\s*\d+)?)*|all|par|\[\s*[A-Za-z_][\w']*\s*\])"
_QUALIFIED_TACTIC = r"[A-Z][\w']*(?:\.[A-Za-z_][\w']*)*\.[a-z_][\w']*(?![\w'])"
COQ_LEADING = re.compile(rf"^\s*(?:{_SELECTOR}\s*:\s*)?(?!{_SELECTOR}\s*:)(?:[a-z_(\[]|\d+\s*:|{_QUALIFIED_TACTIC})")

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
