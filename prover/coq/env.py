"""``CoqEnv``: the :class:`~prover.env.ProofEnv` backend over one ``coqtop -emacs`` process.

coqtop's document is linear: ``BackTo N`` returns to state ``N`` and forgets every later state.
Search trees branch, so the env keeps its own tree of states (ids stable for the caller) and
keeps the branch that coqtop currently holds (``_live``). Running a tactic on a state goes
``BackTo`` the deepest state shared by both branches, replays the missing tactics of the target
branch (no ``Show`` needed, their goals are known), then runs the tactic and ``Show``. When the
process dies or wedges, it is restarted with the context and the statement, and the next call
replays its branch, so callers never see the restart.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass

from prover.coq.coqtop import DEFAULT_MEMORY_MB, Coqtop, CoqtopDied, _limit_memory, error_message
from prover.coq.goals import Goals, parse_show
from prover.coq.guard import COQ_GUARD
from prover.coq.sentences import SentenceError, normalize, split_sentences, without_focusing
from prover.env import (
    ProofEnv,
    ProofEnvStats,
    ProofFinished,
    ProofState,
    ProverCrashed,
    ProverError,
    StatementError,
    TacticError,
    TacticRejected,
    TacticResult,
    TacticTimeout,
    Theorem,
    UnknownStateError,
)
from prover.guard import TacticGuard

SETTINGS = ("Set Silent.", "Set Printing Width 100.")
#: Seconds ``Show.`` may always take after a tactic, however little of the tactic's time is left.
SHOW_FLOOR = 1.0
IDENT = re.compile(r"^[A-Za-z_][\w']*$")
# Sentences a theorem's context may hold: loading compiled libraries and opening scopes only.
_QUALID = r"[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*"
CONTEXT_ALLOWED = re.compile(
    rf"^(?:(?:From {_QUALID} )?Require(?: Import| Export)?(?: {_QUALID})+"
    rf"|(?:Import|Export)(?: {_QUALID})+"
    r"|(?:Local |Global )?(?:Open|Close) Scope [\w']+"
    r"|(?:Set|Unset) (?:Implicit Arguments|Strict Implicit|Asymmetric Patterns"
    r"|Universe Polymorphism|Printing [A-Za-z ]+"
    r"|Hammer (?:Parallel|Eprover|Vampire|CVC4|Z3))"
    r"|Set Hammer (?:ATPLimit|ReconstrLimit|SAutoLimit|GSMode|Predictions) \d{1,4}"
    rf"|Add Hammer Filter {_QUALID})\.$"
)
# CoqHammer's ``hammer`` prints the tactic that reconstructs the proof it found, e.g.
# ``Replace the hammer tactic with:\n\tsrun eauto use: rev_involutive.`` or ``... with: sfirstorder``.
_HAMMER_REPLACEMENT = re.compile(r"Replace the hammer tactic with:\s*(.+?)\s*(?:</infomsg>|$)", re.S)
# Coq 8.16 parses the printed ``srun eauto use: H`` as ``srun (eauto use) : ...`` (a syntax
# error); with the inner tactic in parentheses it means what hammer ran.
_SRUN = re.compile(r"^srun ([a-z_]\w*) (use:.*)$", re.S)


def hammer_replacement(output: str) -> str | None:
    """The reconstruction tactic ``hammer`` printed in ``output`` (``None`` if it printed none)."""
    m = _HAMMER_REPLACEMENT.search(output)
    if m is None:
        return None
    tactic = " ".join(m.group(1).split())
    tactic = _SRUN.sub(r"srun (\1) \2", tactic)
    return tactic if tactic.endswith(".") else f"{tactic}."


@dataclass
class _Node:
    id: int
    parent: int | None
    sentences: tuple[str, ...]
    tactic: str
    goals: Goals


def check_context(context: str) -> list[str]:
    """The context's sentences, or StatementError if one is not an import or scope command."""
    try:
        sentences = [normalize(s.text) for s in split_sentences(context)]
    except SentenceError as e:
        raise StatementError(f"bad context: {e}") from None
    for s in sentences:
        if not CONTEXT_ALLOWED.match(s):
            raise StatementError(f"context may only import libraries and open scopes: {s[:80]!r}")
    return sentences


def theorem_sentence(theorem: Theorem) -> str:
    """``Theorem NAME : STATEMENT.`` (or the theorem's own ``header``) after checking that it is
    exactly one sentence."""
    if not IDENT.match(theorem.name):
        raise StatementError(f"not a Coq identifier: {theorem.name!r}")
    if theorem.header is not None:
        try:
            sentences = split_sentences(theorem.header)
        except SentenceError as e:
            raise StatementError(f"malformed statement: {e}") from None
        if len(sentences) != 1:
            raise StatementError("the theorem's header must be one sentence")
        return normalize(theorem.header)
    stmt = theorem.statement.strip()
    if stmt.endswith(".") and not stmt.endswith(".."):
        stmt = stmt[:-1].rstrip()
    if not stmt:
        raise StatementError("empty statement")
    text = f"Theorem {theorem.name} : {stmt}."
    try:
        sentences = split_sentences(text)
    except SentenceError as e:
        raise StatementError(f"malformed statement: {e}") from None
    if len(sentences) != 1 or sentences[0].end != len(text):
        raise StatementError("the statement must be one term (it contains a sentence end '. ')")
    return normalize(text)


class CoqEnv(ProofEnv):
    """A Coq proof session. ``coqtop_args`` are extra options (``-Q``/``-R`` load paths)."""

    def __init__(
        self,
        coqtop_args: list[str] | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
        guard: TacticGuard = COQ_GUARD,
        context_timeout: float = 120.0,
        replay_timeout: float = 60.0,
    ) -> None:
        self.coqtop_args = list(coqtop_args or [])
        self.memory_mb = memory_mb
        self.guard = guard
        self.context_timeout = context_timeout
        self.replay_timeout = replay_timeout
        self.stats = ProofEnvStats()
        self._coq: Coqtop | None = None
        self._base_sid = 0
        #: Sentences run after the settings (prelude, context) with the state id after each.
        self._loaded: list[tuple[str, int]] = []
        self._context_sid = 0
        self._theorem: Theorem | None = None
        self._theorem_sentence = ""
        self._nodes: dict[int, _Node] = {}
        #: ``Locate`` output in the open theorem's context, per name (None: it failed)
        self._located: dict[str, str | None] = {}
        self._live: list[tuple[int, int]] = []  # (node id, coqtop state id) from the root down
        self._next_id = 0

    # -- process lifecycle -------------------------------------------------------------------

    @property
    def coqtop(self) -> Coqtop:
        """The live process (started on demand)."""
        if self._coq is None or not self._coq.alive:
            self._start_process()
        assert self._coq is not None
        return self._coq

    def _start_process(self) -> None:
        if self._coq is None:
            self._coq = Coqtop(self.coqtop_args, memory_mb=self.memory_mb)
        else:
            self._coq.start()
        for s in SETTINGS:
            self._coq.send(s, 10)
        self._base_sid = self._coq.state_id
        self._loaded = []
        self._live = []

    def _load_context(self, sentences: list[str]) -> None:
        """Make coqtop's state the one after ``sentences`` (a prelude, then a context), running
        only those after the longest run it shares with the sentences loaded before."""
        for attempt in range(2):
            coq = self.coqtop
            k = 0
            while k < min(len(self._loaded), len(sentences)) and self._loaded[k][0] == sentences[k]:
                k += 1
            target = self._loaded[k - 1][1] if k else self._base_sid
            if coq.state_id != target:
                coq.back_to(target)
            del self._loaded[k:]
            for s in sentences[k:]:
                reply = coq.send(s, self.context_timeout)
                if reply.interrupted or reply.error:
                    if not attempt and _out_of_memory(reply.error):
                        # Libraries Required by earlier theorems stay loaded after BackTo; a
                        # long-lived process fills its address-space cap. Start afresh once.
                        self._fresh_process()
                        break
                    good = self._loaded[-1][1] if self._loaded else self._base_sid
                    if coq.state_id != good:
                        coq.back_to(good)
                    raise StatementError(f"context failed at {s[:200]!r}: {reply.error or 'timeout'}")
                self._loaded.append((s, coq.state_id))
            else:
                self._context_sid = coq.state_id
                return

    def _fresh_process(self) -> None:
        self.stats.restarts += 1
        if self._coq is not None:
            self._coq.kill()
        self._start_process()

    def _start_theorem(self) -> int:
        """Send the statement after the context; returns the coqtop state id of the root."""
        assert self._theorem is not None
        coq = self.coqtop
        self._load_context([*self._theorem.prelude, *check_context(self._theorem.context)])
        if coq.state_id != self._context_sid:
            coq.back_to(self._context_sid)
        reply = coq.send(self._theorem_sentence, self.context_timeout)
        if reply.interrupted or reply.error:
            if coq.state_id != self._context_sid:
                coq.back_to(self._context_sid)
            raise StatementError(reply.error or "timeout while elaborating the statement")
        return coq.state_id

    def restart(self) -> None:
        """Kill and restart coqtop; the open theorem's states stay valid (replayed on demand)."""
        self._fresh_process()
        if self._theorem is not None:
            root_sid = self._start_theorem()
            root = min(self._nodes)
            self._live = [(root, root_sid)]

    def close(self) -> None:
        if self._coq is not None:
            self._coq.kill()
            self._coq = None
        self._loaded = []
        self._live = []

    # -- ProofEnv ------------------------------------------------------------------------------

    def open(self, theorem: Theorem) -> ProofState:
        sentence = theorem_sentence(theorem)
        check_context(theorem.context)
        self._theorem = theorem
        self._theorem_sentence = sentence
        self._nodes = {}
        self._located = {}
        self._live = []
        for attempt in range(2):
            try:
                root_sid = self._start_theorem()
                show = self.coqtop.send("Show.", 30)
                if show.interrupted or show.error:
                    raise StatementError(f"the statement's goal cannot be shown: {show.error or 'timeout'}")
                break
            except CoqtopDied:
                if attempt:
                    self._theorem = None
                    raise ProverCrashed("coqtop died twice while opening the theorem") from None
                self.stats.restarts += 1
                self._start_process()
            except ProverError:
                self._theorem = None  # a later restart must not re-open a bad statement
                raise
        goals = parse_show(show.output)
        node = self._new_node(None, (), "", goals)
        self._live = [(node.id, root_sid)]
        return ProofState(node.id, goals.text, goals.num_goals)

    def prepare(self, theorem: Theorem) -> float:
        """Load ``theorem``'s prelude and context ahead of :meth:`open` (a library theorem's file
        prefix can take seconds); returns the seconds spent. Raises StatementError."""
        start = time.monotonic()
        sentences = [*theorem.prelude, *check_context(theorem.context)]
        try:
            self._load_context(sentences)
        except CoqtopDied:
            self._fresh_process()
            self._load_context(sentences)
        return time.monotonic() - start

    def search_form(self, tactic: str) -> str:
        """``tactic`` without the braces and bullets around it (``{ intros.`` -> ``intros.``,
        ``- lia. }`` -> ``lia.``, ``2: { lia.`` -> ``2: lia.``). A search never closes the brace a
        traced step opened, so a proof through ``{ intros.`` ends with every goal solved and the
        brace still open, which ``Qed`` refuses; without its marks the step acts on the same
        (first or selected) goal and leaves the others in the state. A tactic the guard refuses
        is returned as it is (``run_tac`` says why)."""
        try:
            sentences = self.guard.check(tactic)
        except TacticRejected:
            return tactic
        return without_focusing(sentences) or tactic

    def run_tac(self, state: ProofState, tactic: str, timeout: float = 5.0) -> TacticResult:
        node = self._nodes.get(state.id)
        if node is None:
            raise UnknownStateError(f"unknown state id {state.id} (open a theorem first)")
        sentences = tuple(self.guard.check(tactic))
        self.stats.tactics_run += 1
        deadline = time.monotonic() + timeout
        for attempt in range(2):
            try:
                self._goto(node)
            except CoqtopDied:
                if attempt:
                    raise ProverCrashed("coqtop died twice while replaying a state") from None
                self.restart()
                continue
            try:
                return self._run(node, sentences, tactic, timeout, deadline)
            except CoqtopDied as e:
                # Killed from outside (or by the tactic): restart, and run it once more while
                # time is left; a tactic that kills coqtop twice is reported as an error.
                self.restart()
                if "interrupt" in str(e):
                    self.stats.timeouts += 1
                    return TacticTimeout(timeout)
                if attempt or time.monotonic() >= deadline:
                    return TacticError(f"coqtop died while running the tactic: {e}")
        raise ProverCrashed("coqtop could not run the tactic")

    def repairs(self, state: ProofState, tactic: str, error: str, limit: int = 4) -> list[str]:
        """For "The reference X was not found": ``tactic`` with ``X`` replaced by each name
        ``Locate X`` finds under a module (``add_comm`` -> ``Nat.add_comm``, ``N.add_comm``, ...),
        written the shortest way the context allows; at most ``limit``, ``Private`` modules left out.
        A generated tactic often names a lemma the way a file with other imports did."""
        m = _NOT_FOUND.search(error)
        if m is None or self._theorem is None:
            return []
        name = m.group(1)
        located = self._locate(name)
        if located is None:
            return []
        out: list[str] = []
        seen: set[str] = set()
        for kind, full, shorter in _LOCATED.findall(located):
            if kind not in _GLOBAL_KINDS:
                continue
            qualified = shorter or full
            # ``Z.abs`` is both ``BinInt.Z.abs`` and ``BinIntDef.Z.abs`` (an Include): try one
            tail = ".".join(full.split(".")[-2:])
            if qualified == name or ".Private" in full or "._" in full or tail in seen:
                continue
            seen.add(tail)
            repaired = _with_name(tactic, name, qualified)
            if repaired != tactic and repaired not in out:
                out.append(repaired)
            if len(out) >= limit:
                break
        return out

    def verify(self, theorem: Theorem, proof: list[str], timeout: float = 120.0) -> bool:
        """Check ``context; Theorem; Proof. tactics Qed.`` with ``coqc`` in a fresh process."""
        return self.check_with_coqc(theorem, proof, timeout).ok

    def check_with_coqc(self, theorem: Theorem, proof: list[str], timeout: float = 120.0) -> CoqcResult:
        """The proof re-checked in a fresh process: ``coqc`` on the script, or, for a theorem with a
        prelude (whose modules are still open where the theorem stands), a fresh ``coqtop``."""
        result, _ = self.recheck(theorem, proof, timeout=timeout)
        return result

    def recheck(self, theorem: Theorem, proof: list[str], after: tuple[str, ...] = (),
                timeout: float = 120.0) -> tuple[CoqcResult, str]:
        """Re-check ``proof`` in a fresh process, then run ``after`` (``Print NAME.``); returns the
        verdict and what the process printed."""
        statement = theorem_sentence(theorem)
        context = check_context(theorem.context)
        lines: list[str] = [*context, statement, "Proof."]
        for tac in proof:
            lines.extend(self.guard.check(tac))
        lines.append("Qed.")
        if not theorem.prelude:
            start = time.monotonic()
            ok, out = _coqc_output("\n".join([*lines, *after]) + "\n", self.coqtop_args, timeout, self.memory_mb)
            return _coqc_verdict(ok, out, start), out
        return run_in_fresh_coqtop([*theorem.prelude, *lines], after, self.coqtop_args, timeout, self.memory_mb)

    # -- helpers for callers -------------------------------------------------------------------

    def live_proof_term(self) -> tuple[list[str], str] | None:
        """When coqtop holds a finished proof (a search's last tactic closed every goal): the
        tactics to it and ``Show Proof.`` of it, read in milliseconds; None otherwise. A check can
        refuse a proof on its term here before paying for a fresh process."""
        if not self._live or self._coq is None or not self._coq.alive:
            return None
        node_id, sid = self._live[-1]
        node = self._nodes.get(node_id)
        if node is None or not node.goals.finished or self._coq.state_id != sid:
            return None
        try:
            reply = self._coq.send("Show Proof.", self.replay_timeout)
        except CoqtopDied:
            return None
        self._live[-1] = (node_id, self._coq.state_id)
        if reply.error or reply.interrupted:
            return None
        return self.tactics_to(node_id), reply.output

    def resolve_names(self, names: Iterable[str]) -> dict[str, str | None] | None:
        """What each printed name denotes where the open theorem is stated, read with ``Locate``
        in the live process: the full name of the constant, inductive or constructor it refers to,
        or None where no global object has that name (a bound variable); a name that denotes
        something else (a notation) is left out. None when the process cannot tell."""
        out: dict[str, str | None] = {}
        for name in names:
            located = self._locate(name)
            if located is None:
                return None
            denoted = _first_located(name, located)
            if denoted != _OTHER_OBJECT:
                out[name] = denoted
        return out

    def _locate(self, name: str) -> str | None:
        """``Locate name.`` in the open theorem's context (kept per theorem; the live branch stays
        usable); None without an open theorem and a live process, or when it fails."""
        if name not in self._located:
            if self._theorem is None or self._coq is None or not self._coq.alive:
                return None
            live = self._live[-1] if self._live and self._live[-1][1] == self._coq.state_id else None
            try:
                reply = self._coq.send(f"Locate {name}.", 10)
            except CoqtopDied:
                return None
            if live is not None:
                self._live[-1] = (live[0], self._coq.state_id)
            self._located[name] = None if reply.error or reply.interrupted else reply.output
        return self._located[name]

    def tactics_to(self, state_id: int) -> list[str]:
        """The tactics from the initial state to ``state_id`` (a proof, if it is finished)."""
        if state_id not in self._nodes:
            raise UnknownStateError(f"unknown state id {state_id}")
        out: list[str] = []
        node: _Node | None = self._nodes[state_id]
        while node is not None and node.parent is not None:
            out.append(node.tactic)
            node = self._nodes[node.parent]
        return out[::-1]

    @property
    def theorem(self) -> Theorem | None:
        return self._theorem

    # -- internals -----------------------------------------------------------------------------

    def _new_node(self, parent: int | None, sentences: tuple[str, ...], tactic: str, goals: Goals) -> _Node:
        self._next_id += 1
        node = _Node(self._next_id, parent, sentences, tactic, goals)
        self._nodes[node.id] = node
        return node

    def _path(self, node: _Node) -> list[_Node]:
        path = [node]
        while path[-1].parent is not None:
            path.append(self._nodes[path[-1].parent])
        return path[::-1]

    def _goto(self, node: _Node) -> None:
        """Make coqtop's current state the one of ``node``."""
        coq = self.coqtop
        if not self._live:
            raise CoqtopDied("no live branch")
        path = self._path(node)
        k = 0
        while k < len(path) and k < len(self._live) and self._live[k][0] == path[k].id:
            k += 1
        if k == 0:
            raise CoqtopDied("live branch does not start at the theorem")
        if k < len(self._live) or coq.state_id != self._live[-1][1]:
            coq.back_to(self._live[k - 1][1])
            del self._live[k:]
        for n in path[k:]:
            for s in n.sentences:
                reply = coq.send(s, self.replay_timeout)
                if reply.interrupted or reply.error:
                    raise ProverError(f"replaying {s!r} failed: {reply.error or 'timeout'}")
            self._live.append((n.id, coq.state_id))

    def _run(
        self, node: _Node, sentences: tuple[str, ...], tactic: str, timeout: float, deadline: float
    ) -> TacticResult:
        coq = self.coqtop
        start_sid = coq.state_id
        ran: list[str] = []
        for s in sentences:
            reply = coq.send(s, max(0.001, deadline - time.monotonic()))
            if reply.interrupted or reply.error:
                failed = self._undo(start_sid, reply.interrupted, timeout, reply.error or "error")
                if not reply.interrupted and _out_of_memory(reply.error):
                    self.restart()  # the heap grown to the cap is not handed back
                return failed
            ran.append(self._reconstructed(s, reply.output))
        # Printing the new state counts against the tactic's time (at least SHOW_FLOOR seconds, so
        # a tactic that ends just in time still gets its goals); a state Coq cannot print (a huge
        # term overflows the printer's stack) is no state the search can go on from.
        show = coq.send("Show.", min(self.replay_timeout, max(SHOW_FLOOR, deadline - time.monotonic())))
        if show.interrupted or show.error:
            return self._undo(start_sid, show.interrupted, timeout,
                              f"the state after the tactic cannot be shown: {show.error}")
        goals = parse_show(show.output)
        if any(_FIX.search(s) for n in self._path(node) for s in (*n.sentences, *sentences)):
            # ``fix``/``cofix`` leave the guard condition to Qed: check it now, so an ill-formed
            # recursion is an error here instead of a proof the re-check rejects. Right after
            # ``fix`` the body is a bare hole ("not enough abstractions"), which is no verdict yet.
            guarded = coq.send("Guarded.", max(0.001, deadline - time.monotonic()))
            error = guarded.error or ""
            if guarded.interrupted or (error and (goals.finished or _UNFINISHED_FIX not in error)):
                return self._undo(start_sid, guarded.interrupted, timeout, f"not guarded: {error}")
        sentences = tuple(ran)
        new = self._new_node(node.id, sentences, " ".join(sentences), goals)
        self._live.append((new.id, coq.state_id))
        if goals.finished:
            return ProofFinished(new.id)
        return ProofState(new.id, goals.text, goals.num_goals)

    def _undo(self, start_sid: int, interrupted: bool, timeout: float, error: str) -> TacticResult:
        """Back to the state the tactic ran on; the tactic's outcome: a timeout, or ``error``."""
        if self.coqtop.state_id != start_sid:
            self.coqtop.back_to(start_sid)
        if interrupted:
            self.stats.timeouts += 1
            return TacticTimeout(timeout)
        return TacticError(error)

    def _reconstructed(self, sentence: str, output: str) -> str:
        """``sentence``, or the tactic ``hammer`` printed to replace it: replaying and re-checking
        that one needs no external prover. A replacement the guard refuses is not used."""
        if "hammer" not in sentence:
            return sentence
        replacement = hammer_replacement(output)
        if replacement is None:
            return sentence
        try:
            checked = self.guard.check(replacement)
        except TacticRejected:
            return sentence
        return " ".join(checked)


_NOT_FOUND = re.compile(rf"The reference ({_QUALID}) was not found in the current environment")
# ``Locate`` lists every object with that (partial) name, the one the name denotes first:
# ``Constant Coq.Arith.PeanoNat.Nat.add_comm``, then ``(shorter name to refer to it in current
# context is Nat.add_comm)`` when a shorter one works.
_LOCATED = re.compile(
    rf"^(\w+) ({_QUALID})(?:\s*\(shorter name to refer to it in current context is ({_QUALID})\))?", re.M)
_GLOBAL_KINDS = ("Constant", "Inductive", "Constructor")
_OTHER_OBJECT = ""


def _first_located(name: str, output: str) -> str | None:
    """What ``name`` denotes, from ``Locate name``: the full name of the constant, inductive or
    constructor it refers to, :data:`_OTHER_OBJECT` for another kind of object, None for none.
    ``Locate`` lists that object first, then every other object whose path ends with the name; when
    the name denotes nothing, the first one listed needs a longer name (``ZMicromega.env`` for a
    bound ``env``)."""
    m = _LOCATED.match(output.strip())
    if m is None or output.strip().startswith("No object"):
        return None
    kind, full, shorter = m.groups()
    if shorter is not None and shorter != name and not name.endswith("." + shorter):
        return None
    return full if kind in _GLOBAL_KINDS else _OTHER_OBJECT


# Where a tactic names a lemma or a definition (not a hypothesis or a term it takes apart):
# right after one of these heads (``rewrite <- ``, ``apply (``, ...), or later in their comma list.
_NAMES_A_LEMMA = re.compile(
    r"(?:\b(?:e?apply|rapply|e?exact|e?rewrite|setoid_rewrite|unfold|using|pose proof|specialize)"
    r"|\buse:|,)[\s(!?]*(?:<-|->)?[\s(]*$"
)


def _with_name(tactic: str, name: str, replacement: str) -> str:
    """``tactic`` with ``name`` replaced where it names a lemma or definition (unchanged if nowhere)."""
    def swap(m: re.Match[str]) -> str:
        return replacement if _NAMES_A_LEMMA.search(tactic[: m.start()]) else m.group(0)

    return re.sub(rf"(?<![\w'.]){re.escape(name)}(?![\w'])", swap, tactic)


_FIX = re.compile(r"(?<![\w'.])(?:co)?fix(?![\w'])")
_UNFINISHED_FIX = "Not enough abstractions"


def _out_of_memory(error: str | None) -> bool:
    return error is not None and "Out of memory" in error


@dataclass(frozen=True)
class CoqcResult:
    ok: bool
    message: str
    seconds: float


def _coqc_output(source: str, coq_args: list[str], timeout: float, memory_mb: int) -> tuple[bool, str]:
    """Compile ``source`` with ``coqc`` in a fresh temporary folder: (accepted, what it printed)."""
    with tempfile.TemporaryDirectory(prefix="proofplan-coqc-") as tmp:
        path = os.path.join(tmp, "Verify.v")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        try:
            proc = subprocess.run(
                ["coqc", "-q", *coq_args, path],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=timeout,
                preexec_fn=(lambda: _limit_memory(memory_mb)) if memory_mb else None,
            )
        except subprocess.TimeoutExpired:
            return False, f"coqc timed out after {timeout:.0f} s"
    out = (proc.stdout + proc.stderr).strip()
    return proc.returncode == 0 and error_message(out) is None, out


def run_coqc(source: str, coq_args: list[str], timeout: float = 120.0, memory_mb: int = DEFAULT_MEMORY_MB) -> CoqcResult:
    """Compile ``source`` with ``coqc`` in a fresh temporary folder."""
    start = time.monotonic()
    return _coqc_verdict(*_coqc_output(source, coq_args, timeout, memory_mb), start)


def _coqc_verdict(ok: bool, out: str, start: float) -> CoqcResult:
    return CoqcResult(ok, "" if ok else (error_message(out) or out[-500:]), time.monotonic() - start)


def run_in_fresh_coqtop(
    sentences: list[str], after: tuple[str, ...] = (), coq_args: list[str] | None = None,
    timeout: float = 120.0, memory_mb: int = DEFAULT_MEMORY_MB,
) -> tuple[CoqcResult, str]:
    """Run ``sentences`` in a new ``coqtop``, stopping at the first error, then ``after`` (whose
    errors do not count); returns the verdict and what ``after`` printed."""
    start = time.monotonic()
    deadline = start + timeout
    coq = Coqtop(list(coq_args or []), memory_mb=memory_mb)
    try:
        for s in ("Set Silent.", "Set Printing Width 100."):
            coq.send(s, 10)
        for s in sentences:
            reply = coq.send(s, max(0.001, deadline - time.monotonic()))
            if reply.interrupted or reply.error:
                why = reply.error or f"timed out after {timeout:.0f} s"
                return CoqcResult(False, f"at {s[:120]!r}: {why}", time.monotonic() - start), ""
        if coq.proof_name and coq.proof_name != "Coq":
            return CoqcResult(False, f"the proof of {coq.proof_name} is still open", time.monotonic() - start), ""
        printed = [coq.send(s, max(0.001, deadline - time.monotonic())).output for s in after]
        return CoqcResult(True, "", time.monotonic() - start), "\n".join(printed)
    except CoqtopDied as exc:
        return CoqcResult(False, f"coqtop died: {exc}", time.monotonic() - start), ""
    finally:
        coq.kill()
