"""Give traced proofs a statement that :meth:`CoqEnv.open` accepts, so a search can prove them.

The statement is the proof's initial goal closed over its hypotheses (section variables), or,
when that does not parse outside the file, the type ``Check`` prints once the sections close;
the context is the file's top-level ``Require``/``Import``/``Open Scope`` sentences before the
proof, minus those that only work inside the file (``Import ListNotations`` in ``List.v``).
When the statement needs the file's own definitions, the file itself is required too
(``context_includes_self``; then the theorem itself is in scope, so such records suit
training more than held-out evaluation). A statement that opens in neither context is dropped.
"""

from __future__ import annotations

import re

from prover.coq.env import CoqEnv, check_context
from prover.coq.tracer import FileTrace
from prover.env import ProverError, StatementError, Theorem

_FAILED_AT = re.compile(r"^context failed at '(.*)':")


def theorem_name(full_name: str) -> str:
    short = full_name.rsplit(".", 1)[-1]
    return short if short and (short[0].isalpha() or short[0] == "_") else f"thm_{short}"


def usable_context(env: CoqEnv, context: str) -> str:
    """``context`` without the sentences that fail outside the file."""
    try:
        sentences = check_context(context)
    except StatementError:
        return ""
    for _ in range(len(sentences) + 1):
        text = " ".join(sentences)
        try:
            env.open(Theorem("context_check", "True", text))
            return text
        except StatementError as e:
            m = _FAILED_AT.match(str(e))
            if not m or m.group(1) not in sentences:
                return ""
            sentences.remove(m.group(1))
    return ""


def with_self(context: str, logical: str) -> str:
    """``context`` with ``Require Import logical.`` after its ``Require`` sentences."""
    try:
        sentences = check_context(context)
    except StatementError:
        sentences = []
    k = 0
    while k < len(sentences) and re.match(r"^(?:From \S+ )?Require\b", sentences[k]):
        k += 1
    return " ".join([*sentences[:k], f"Require Import {logical}.", *sentences[k:]])


def attach_statements(trace: FileTrace, env: CoqEnv) -> int:
    """Check each proof's statement in ``env``; returns how many open. Edits ``trace``.

    Candidates, tried in phases so that consecutive opens share a context (reloading a
    context costs a ``Require``): the goal-closed statement in the usable context, then in the
    context with the file, then the ``Check`` type in each of the two.
    """
    usable: dict[str, str] = {}
    selfish: dict[str, str] = {}
    for proof in trace.proofs:
        raw = proof.context or ""
        if raw not in usable:
            usable[raw] = usable_context(env, raw)
            selfish[raw] = usable_context(env, with_self(raw, trace.logical))
    phases = [
        (lambda p: p.statement, usable, False),
        (lambda p: p.statement, selfish, True),
        (lambda p: p.checked_type, usable, False),
        (lambda p: p.checked_type, selfish, True),
    ]
    pending = list(trace.proofs)
    for pick, contexts, self_needed in phases:
        left = []
        for proof in sorted(pending, key=lambda p: p.context or ""):
            statement = pick(proof)
            context = contexts[proof.context or ""]
            if statement and _opens(env, proof.full_name, statement, context):
                proof.statement, proof.context_includes_self = statement, self_needed
                proof.context_with_file = selfish[proof.context or ""]
                proof.context = context
            else:
                left.append(proof)
        pending = left
    for proof in pending:
        proof.statement = None
    return sum(1 for p in trace.proofs if p.statement)


def _opens(env: CoqEnv, full_name: str, statement: str, context: str) -> bool:
    try:
        env.open(Theorem(theorem_name(full_name), statement, context))
        return True
    except ProverError:
        return False
