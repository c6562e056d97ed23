"""The ``ProofEnv`` seam: talk to a proof assistant tactic by tactic.

Every backend (Coq over ``coqtop``, the Lean 4 REPL, LeanDojo) implements :class:`ProofEnv`.
States are immutable handles; ``run_tac`` may be applied to any earlier state, so a search
tree can branch freely.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from types import TracebackType

from common.errors import ProofplanError


@dataclass(frozen=True)
class Theorem:
    """A statement to prove.

    ``statement`` is the proposition in the backend's syntax (``forall n : nat, n + 0 = n`` for
    Coq). ``context`` holds the imports/preamble it needs (``Require Import Arith.``), and
    ``name`` names the theorem inside the proof assistant. ``file_path``/``full_name`` locate a
    theorem of a traced repository (LeanDojo, the Coq standard library). ``prelude`` is trusted
    source run before ``context`` without its import-only filter: the sentences of a library
    theorem's own file before it (:mod:`prover.coq.prefix`), never text from a user or a model.
    """

    name: str
    statement: str
    context: str = ""
    file_path: str | None = None
    full_name: str | None = None
    prelude: tuple[str, ...] = ()
    #: The theorem's own statement sentence (``Lemma app_nil (l : list nat) : l ++ [] = l.``), run
    #: as it is instead of ``Theorem NAME : STATEMENT.``: trusted source, as ``prelude`` is (a hole
    #: of the user's own file, :mod:`prover.search.holes`); ``name`` is the name it declares.
    header: str | None = None
    #: 1-based (line, column) where the statement starts in ``file_path``, when known.
    start: tuple[int, int] | None = None


@dataclass(frozen=True)
class ProofState:
    """An open proof state: ``id`` is unique within one env; ``goals`` is pretty-printed."""

    id: int
    goals: str
    num_goals: int


@dataclass(frozen=True)
class ProofFinished:
    """The tactic closed every goal; ``id`` is the final state's id."""

    id: int


@dataclass(frozen=True)
class TacticError:
    """The proof assistant rejected the tactic; the state it ran on is unchanged."""

    message: str


@dataclass(frozen=True)
class TacticTimeout:
    """The tactic ran past its time limit and was interrupted."""

    seconds: float


TacticResult = ProofState | ProofFinished | TacticError | TacticTimeout


class ProverError(ProofplanError):
    """Base of the prover's typed errors."""


class UnknownStateError(ProverError):
    """A state id that this env never produced (or produced for another theorem)."""


class TacticRejected(ProverError):
    """A tactic failed the guard (vernacular, shell escape, file access) and never reached the prover."""


class ProverCrashed(ProverError):
    """The proof-assistant process died and could not be restarted."""


class StatementError(ProverError):
    """The theorem statement itself is malformed; ``message`` is the proof assistant's error."""


@dataclass
class ProofEnvStats:
    """Counters a backend keeps for benchmarks and fault reports."""

    tactics_run: int = 0
    restarts: int = 0
    timeouts: int = 0
    extra: dict[str, float] = field(default_factory=dict)


class ProofEnv(ABC):
    """A live proof assistant session. Use as a context manager."""

    @abstractmethod
    def open(self, theorem: Theorem) -> ProofState:
        """Start proving ``theorem``; returns its initial state. Raises StatementError."""

    @abstractmethod
    def run_tac(self, state: ProofState, tactic: str, timeout: float = 5.0) -> TacticResult:
        """Run ``tactic`` on any earlier ``state`` of the current theorem."""

    @abstractmethod
    def verify(self, theorem: Theorem, proof: list[str]) -> bool:
        """Re-check a complete proof (tactic list) from scratch in a fresh process."""

    @abstractmethod
    def close(self) -> None:
        """Stop the proof-assistant process."""

    def repairs(self, state: ProofState, tactic: str, error: str) -> list[str]:
        """Tactics that may do what ``tactic`` meant, given the ``error`` it failed with on
        ``state`` (none by default). A backend that can tell how a name the tactic got wrong is
        written in this context (Coq's ``Locate``) offers the tactic with that name qualified."""
        return []

    def search_form(self, tactic: str) -> str:
        """The form a search runs and records ``tactic`` in (by default the tactic itself). A
        backend whose focusing marks make a step's meaning depend on steps a search may never
        take (Coq's braces and bullets) drops them here."""
        return tactic

    def __enter__(self) -> ProofEnv:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
