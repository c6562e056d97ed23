"""``LeanDojoEnv``: theorems of traced Lean 4 repositories through ``lean_dojo.Dojo``.

As in ReProver, a theorem is named by its repository (URL + commit), file and full name;
``Dojo`` starts Lean on the traced repository and answers tactics with ``TacticState``
(-> :class:`ProofState`), ``ProofFinished`` (-> :class:`ProofFinished`), ``LeanError`` and
``ProofGivenUp`` (-> :class:`TacticError`); ``DojoTacticTimeoutError`` becomes
:class:`TacticTimeout` and ``DojoCrashError`` a restart with the states replayed.

lean-dojo is the optional extra ``lean`` (``pip install -e '.[lean]'``); it is imported only
when a LeanDojoEnv is used. Its deadline is per ``Dojo`` (``timeout`` at construction), so the
per-call ``timeout`` of :meth:`LeanDojoEnv.run_tac` cannot shorten it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from prover.env import (
    ProofEnv,
    ProofEnvStats,
    ProofState,
    ProverCrashed,
    ProverError,
    StatementError,
    TacticError,
    TacticResult,
    TacticTimeout,
    Theorem,
)
from prover.lean.guard import check_lean_tactic
from prover.lean.state_tree import AllGoalsClosed, NewGoals, StateTree, TacticOutcome


class LeanDojoNotInstalled(ProverError):
    """lean-dojo is not importable."""


def import_lean_dojo() -> ModuleType:
    try:
        import lean_dojo
    except ImportError as exc:
        raise LeanDojoNotInstalled(
            f"LeanDojo is not installed ({exc.msg}): run `pip install -e '.[lean]'` "
            "(it also needs git and a Lean 4 toolchain)"
        ) from None
    return lean_dojo


def classify_dojo_result(result: Any, ld: ModuleType | None = None) -> TacticOutcome:
    """Our reading of one ``Dojo.run_tac`` result."""
    ld = ld or import_lean_dojo()
    if isinstance(result, ld.TacticState):
        return NewGoals(result.pp, result.num_goals, result)
    if isinstance(result, ld.ProofFinished):
        return AllGoalsClosed()
    if isinstance(result, ld.LeanError):
        return TacticError(result.error)
    if isinstance(result, ld.ProofGivenUp):
        return TacticError("proof given up: the tactic uses `sorry`")
    raise ProverError(f"unexpected LeanDojo result {type(result).__name__}")


def dojo_proof_text(tactics: list[str]) -> str:
    """A tactic proof as the text after ``:=`` (what ``lean_dojo.check_proof`` expects)."""
    body = "\n".join("\n".join("  " + line for line in t.splitlines()) for t in tactics)
    return f"by\n{body}"


class LeanDojoEnv(ProofEnv):
    """Proves theorems of one traced repository (``repo_url`` at ``commit``)."""

    def __init__(
        self,
        repo_url: str,
        commit: str,
        *,
        timeout: int = 600,
        use_guard: bool = True,
        max_replays: int = 2,
        dojo_options: dict[str, Any] | None = None,
    ) -> None:
        self.repo_url = repo_url
        self.commit = commit
        self.timeout = timeout
        self.use_guard = use_guard
        self.max_replays = max_replays
        self.dojo_options = dict(dojo_options or {})
        self.stats = ProofEnvStats()
        self._tree = StateTree()
        self._target: Any = None  # lean_dojo.Theorem being proved
        self._dojo_cm: Any = None
        self._dojo: Any = None

    def _lean_theorem(self, theorem: Theorem) -> Any:
        if not theorem.file_path:
            raise StatementError(f"{theorem.name}: LeanDojo needs the theorem's file_path")
        ld = import_lean_dojo()
        repo = ld.LeanGitRepo(self.repo_url, self.commit)
        return ld.Theorem(repo, theorem.file_path, theorem.full_name or theorem.name)

    def _enter(self) -> Any:
        ld = import_lean_dojo()
        cm = ld.Dojo(self._target, timeout=self.timeout, **self.dojo_options)
        try:
            dojo, init_state = cm.__enter__()
        except ld.DojoInitError as exc:
            raise StatementError(f"LeanDojo cannot open {self._target.full_name}: {exc}") from None
        except ld.DojoCrashError as exc:
            raise ProverCrashed(f"Lean crashed while opening the theorem: {exc}") from None
        self._dojo_cm, self._dojo = cm, dojo
        return init_state

    def _exit(self) -> None:
        if self._dojo_cm is not None:
            try:
                self._dojo_cm.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - the process may already be dead
                pass
        self._dojo_cm = self._dojo = None

    def _restart(self) -> None:
        self._exit()
        self._tree.invalidate()
        self.stats.restarts += 1

    def open(self, theorem: Theorem) -> ProofState:
        self.close()
        self._target = self._lean_theorem(theorem)
        init = self._enter()
        return self._tree.add_root(init.pp, init.num_goals, init)

    def _handle(self, state_id: int) -> Any:
        """The ``TacticState`` of one of our states, replaying its path after a restart."""
        return self._tree.handle(state_id, self._enter, self._replay)

    def _replay(self, parent: Any, tactic: str) -> Any:
        res = self._dojo.run_tac(parent, tactic)
        if not isinstance(res, import_lean_dojo().TacticState):
            raise ProverCrashed(f"replaying {tactic!r} after a restart failed")
        return res

    def run_tac(self, state: ProofState, tactic: str, timeout: float = 5.0) -> TacticResult:
        self._tree.get(state)
        if self.use_guard:
            tactic = check_lean_tactic(tactic)
        ld = import_lean_dojo()
        self.stats.tactics_run += 1
        for attempt in range(self.max_replays + 1):
            try:
                handle = self._handle(state.id)
                result = self._dojo.run_tac(handle, tactic)
            except ld.DojoTacticTimeoutError:
                self.stats.timeouts += 1
                self._restart()
                return TacticTimeout(float(self.timeout))
            except ld.DojoCrashError as exc:
                self._restart()
                if attempt == self.max_replays:
                    raise ProverCrashed(f"Lean keeps crashing under LeanDojo: {exc}") from None
                continue
            return self._tree.record(state.id, tactic, classify_dojo_result(result, ld))
        raise ProverCrashed("Lean keeps crashing under LeanDojo")  # pragma: no cover

    def verify(self, theorem: Theorem, proof: list[str]) -> bool:
        """Re-check the proof in its file with ``lean_dojo.check_proof`` (a fresh Lean run)."""
        tactics = [check_lean_tactic(t) for t in proof] if self.use_guard else list(proof)
        ld = import_lean_dojo()
        return bool(ld.check_proof(self._lean_theorem(theorem), dojo_proof_text(tactics)))

    def tactics_to(self, state_id: int) -> list[str]:
        """The tactics from the initial state to ``state_id`` (a proof, if it is finished)."""
        return self._tree.tactics_to(state_id)

    def close(self) -> None:
        self._exit()
        self._tree.reset()


__all__ = ["LeanDojoEnv", "LeanDojoNotInstalled", "classify_dojo_result", "import_lean_dojo"]
