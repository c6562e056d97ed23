"""``LeanReplEnv``: ad-hoc Lean 4 theorems over the leanprover-community REPL.

``open`` elaborates ``theorem NAME STATEMENT := by sorry`` (after the theorem's context, e.g.
``import Mathlib``, elaborated once and reused as an environment) and takes the ``sorry``'s
proof state as the initial state. ``run_tac`` sends ``{"tactic", "proofState"}`` and maps the
answer: ``proofStatus`` ``"Completed"`` -> :class:`ProofFinished`; ``"Incomplete: open goals
remain"`` -> :class:`ProofState`; error messages, ``"Lean error: ..."`` answers, and proofs that
only "close" through ``sorry`` or leave metavariables -> :class:`TacticError`; ``"Unknown proof
state."`` -> :class:`UnknownStateError`. A REPL that hangs is killed (:class:`TacticTimeout`)
and one that dies is restarted; states are rebuilt by replaying their tactic paths.
``verify`` re-checks a whole proof as one command in a fresh REPL process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from prover.env import (
    ProofEnv,
    ProofEnvStats,
    ProofState,
    ProverCrashed,
    StatementError,
    TacticError,
    TacticResult,
    TacticTimeout,
    Theorem,
    UnknownStateError,
)
from prover.lean.guard import check_lean_tactic
from prover.lean.protocol import (
    CommandResponse,
    ReplErrorResponse,
    ReplProtocolError,
    Response,
    TacticResponse,
    command_request,
    parse_response,
    tactic_request,
)
from prover.lean.state_tree import AllGoalsClosed, NewGoals, StateTree, TacticOutcome
from prover.lean.transport import ReplTimeout, ReplTransport, SubprocessTransport

TransportFactory = Callable[[], ReplTransport]
DECLARATION = re.compile(r"^(?:theorem|lemma|example|def)\b")
SORRY_WARNING = "declaration uses `sorry`"
_OPEN, _CLOSE = "({[⦃", ")}]⦄"


def _starts_with_binders(statement: str) -> bool:
    """``(x : Nat) (h : 0 < x) : P x`` (binders, then ``:``) rather than ``(a + b) = c``."""
    i, n = 0, len(statement)
    saw_group = False
    while i < n:
        while i < n and statement[i].isspace():
            i += 1
        if i < n and statement[i] in _OPEN:
            depth = 0
            while i < n:
                if statement[i] in _OPEN:
                    depth += 1
                elif statement[i] in _CLOSE:
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
            saw_group = True
            continue
        return saw_group and i < n and statement[i] == ":" and statement[i : i + 2] != ":="
    return False


def declaration_head(theorem: Theorem) -> str:
    """The declaration up to ``:=``: ``theorem NAME BINDERS : TYPE``.

    ``statement`` may be a whole declaration head (``theorem foo (n : Nat) : n = n``, with or
    without a trailing ``:= by sorry``), binders and a type (``(n : Nat) : n = n``) or just the
    proposition (``∀ n : Nat, n = n``)."""
    s = re.sub(r"\s*:=\s*(?:by)?\s*(?:sorry)?\s*$", "", theorem.statement.strip())
    if DECLARATION.match(s):
        return s
    if _starts_with_binders(s):
        return f"theorem {theorem.name} {s}"
    return f"theorem {theorem.name} : {s}"


def proof_command(theorem: Theorem, tactics: Sequence[str]) -> str:
    """The whole declaration with a tactic proof, one tactic per line (indented by two)."""
    body = "\n".join("\n".join("  " + line for line in t.splitlines()) for t in tactics)
    return f"{declaration_head(theorem)} := by\n{body}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _goals_text(goals: list[str]) -> str:
    return "\n\n".join(goals)


class LeanReplEnv(ProofEnv):
    """A Lean 4 REPL session (one process, restarted when it hangs or dies)."""

    def __init__(
        self,
        transport_factory: TransportFactory | None = None,
        *,
        repl_command: Sequence[str] = ("lake", "exe", "repl"),
        repl_dir: str | Path | None = None,
        command_timeout: float = 300.0,
        use_guard: bool = True,
        max_replays: int = 2,
    ) -> None:
        if transport_factory is None:

            def transport_factory() -> ReplTransport:
                return SubprocessTransport(repl_command, repl_dir, command_timeout)

        self._factory = transport_factory
        self._transport: ReplTransport | None = None
        self._context_envs: dict[str, int] = {}
        self._tree = StateTree()
        self._theorem: Theorem | None = None
        self.command_timeout = command_timeout
        self.use_guard = use_guard
        self.max_replays = max_replays
        self.stats = ProofEnvStats()

    # ------------------------------------------------------------------ process

    def _send(self, request: dict, timeout: float | None = None) -> Response:
        if self._transport is None:
            self._transport = self._factory()
        return parse_response(self._transport.send(request, timeout))

    def _restart(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        self._context_envs.clear()
        self._tree.invalidate()
        self.stats.restarts += 1

    def _context_env(self, context: str) -> int | None:
        if not context.strip():
            return None
        if context not in self._context_envs:
            resp = self._send(command_request(context), self.command_timeout)
            if isinstance(resp, ReplErrorResponse):
                raise StatementError(f"context rejected: {_one_line(resp.message)}")
            if not isinstance(resp, CommandResponse):
                raise ReplProtocolError("the REPL answered a command with a tactic response")
            if resp.errors():
                raise StatementError(f"context rejected: {_one_line(resp.errors()[0].data)}")
            self._context_envs[context] = resp.env
        return self._context_envs[context]

    def _open_theorem(self, theorem: Theorem) -> tuple[int, str]:
        env = self._context_env(theorem.context)
        cmd = f"{declaration_head(theorem)} := by sorry"
        resp = self._send(command_request(cmd, env), self.command_timeout)
        return initial_proof_state(resp, theorem.name)

    # ------------------------------------------------------------------ ProofEnv

    def open(self, theorem: Theorem) -> ProofState:
        self._tree.reset()
        self._theorem = theorem
        try:
            handle, goal = self._open_theorem(theorem)
        except ReplTimeout as exc:
            self._restart()
            raise StatementError(f"elaborating {theorem.name} timed out") from exc
        return self._tree.add_root(goal, 1, handle)

    def run_tac(self, state: ProofState, tactic: str, timeout: float = 5.0) -> TacticResult:
        self._tree.get(state)
        if self.use_guard:
            tactic = check_lean_tactic(tactic)
        self.stats.tactics_run += 1
        for attempt in range(self.max_replays + 1):
            try:
                handle = self._handle(state.id)
                resp = self._send(tactic_request(tactic, handle), timeout)
            except ReplTimeout:
                self.stats.timeouts += 1
                self._restart()
                return TacticTimeout(timeout)
            except ProverCrashed:
                self._restart()
                if attempt == self.max_replays:
                    raise
                continue
            return self._tree.record(state.id, tactic, classify_tactic_response(resp))
        raise ProverCrashed("the Lean REPL keeps crashing")  # pragma: no cover

    def _handle(self, state_id: int) -> int:
        """The REPL proof state of one of our states, replaying its path after a restart."""
        return self._tree.handle(state_id, self._reopen_root, self._replay)

    def _reopen_root(self) -> int:
        assert self._theorem is not None
        return self._open_theorem(self._theorem)[0]

    def _replay(self, parent: int, tactic: str) -> int:
        resp = self._send(tactic_request(tactic, parent), self.command_timeout)
        if not isinstance(resp, TacticResponse) or resp.errors():
            raise ProverCrashed(f"replaying {tactic!r} after a restart failed")
        return resp.proof_state

    def verify(self, theorem: Theorem, proof: list[str]) -> bool:
        """Check ``proof`` (tactics in order) as one declaration in a fresh REPL process.
        Raises :class:`prover.lean.transport.LeanNotInstalled` when there is no Lean."""
        tactics = [check_lean_tactic(t) for t in proof] if self.use_guard else list(proof)
        decl = proof_command(theorem, tactics)
        cmd = f"{theorem.context.rstrip()}\n\n{decl}" if theorem.context.strip() else decl
        transport = self._factory()
        try:
            raw = transport.send(command_request(cmd), self.command_timeout)
        except ReplTimeout:
            return False
        finally:
            transport.close()
        return command_proves(parse_response(raw))

    def tactics_to(self, state_id: int) -> list[str]:
        """The tactics from the initial state to ``state_id`` (a proof, if it is finished)."""
        return self._tree.tactics_to(state_id)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        self._context_envs.clear()
        self._tree.reset()


def initial_proof_state(resp: Response, name: str) -> tuple[int, str]:
    """The REPL proof state and goal of ``theorem ... := by sorry``, or StatementError."""
    if isinstance(resp, ReplErrorResponse):
        raise StatementError(_one_line(resp.message))
    if not isinstance(resp, CommandResponse):
        raise ReplProtocolError("the REPL answered a command with a tactic response")
    if resp.errors():
        raise StatementError(_one_line(resp.errors()[0].data))
    if not resp.sorries or resp.sorries[-1].proof_state is None:
        raise StatementError(f"no proof state for {name} (is the statement a proposition?)")
    last = resp.sorries[-1]
    return last.proof_state, last.goal  # type: ignore[return-value]


def classify_tactic_response(resp: Response) -> TacticOutcome:
    """What a tactic's answer means for the proof (see the module docstring)."""
    if isinstance(resp, ReplErrorResponse):
        if resp.unknown_proof_state:
            raise UnknownStateError("the Lean REPL does not know this proof state")
        return TacticError(resp.message.removeprefix("Lean error:").strip())
    if isinstance(resp, CommandResponse):
        raise ReplProtocolError("the REPL answered a tactic with a command response")
    if resp.errors():
        return TacticError("\n".join(m.data for m in resp.errors()))
    if resp.sorries:
        return TacticError("the tactic leaves `sorry` goals")
    status = resp.proof_status
    if status == "Completed" or (status is None and not resp.goals):
        return AllGoalsClosed()
    if resp.goals and (status is None or status.startswith("Incomplete: open goals")):
        return NewGoals(_goals_text(resp.goals), len(resp.goals), resp.proof_state)
    return TacticError(f"proof not accepted: {status}")


def command_proves(resp: Response) -> bool:
    """Whether a command response shows a declaration checked without errors or ``sorry``."""
    if not isinstance(resp, CommandResponse):
        return False
    if resp.errors() or resp.sorries:
        return False
    return not any(SORRY_WARNING in m.data for m in resp.messages)


__all__ = [
    "LeanReplEnv",
    "classify_tactic_response",
    "command_proves",
    "declaration_head",
    "proof_command",
]
