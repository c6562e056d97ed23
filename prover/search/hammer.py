"""CoqHammer's ``hammer`` inside a time budget: the context that bounds it, and the search's
side of using it as one tactic among the generator's.

``hammer`` translates the goal and the premises its own predictor selects to first-order logic,
asks the external provers (here Debian's E prover; Vampire is not packaged and CVC4 needs the
``htimeout`` helper off the PATH) for a proof, then reconstructs one with CoqHammer's own tactics
and prints the tactic that does it (``srun eauto use: rev_involutive.``).
:class:`~prover.coq.env.CoqEnv` records that tactic in place of ``hammer.``, so the reported
proof, its replay and its fresh-process re-check call no external prover.

The first ``hammer`` call of a Coq process extracts the features of every loaded object for its
premise predictor (about 7 s of CPU with ``List`` loaded; 20-30 s of wall time on a busy
machine), and an interrupted call keeps none of it, so under a per-call limit a cold hammer never
finishes. :class:`HammerWarmup` therefore runs CoqHammer's ``predict 1.`` once per process and
context, off the theorem's budget, as a model is loaded before its first search. In a search it
runs only when ``hammer`` is about to: the generator offers ``hammer.`` after every cheaper
tactic of the state, so a theorem those close never pays for it (12 s on a quiet machine); the
search's clock (:class:`~prover.search.clock.SearchClock`) is paused meanwhile. The seconds it
took are reported in the result's ``timings["hammer_warmup"]``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import networkx as nx

from prover.coq.outline import logical_name, outline
from prover.env import ProofEnv, ProofFinished, ProofState, ProverError, TacticResult, Theorem
from prover.search.best_first import ProofChecker, SearchResult, without_timeout
from prover.search.clock import SearchClock

HAMMER_IMPORT = "From Hammer Require Import Hammer."
HAMMER_TACTIC = "hammer."


def hammer_context(time_limit: float, theorem: Theorem | None = None) -> str:
    """Context lines that load ``hammer`` and fit one call into about ``time_limit`` seconds:
    one E run (no parallel strategy portfolio on a shared core) on the 128 premises its k-NN
    predictor ranks first, with ATP and reconstruction limits that leave room for CoqHammer's
    feature extraction (seconds on the first call of a process). For a library ``theorem``
    stated after its file prefix, also :func:`own_library_filters`."""
    atp = max(1, round(time_limit * 0.4))
    reconstruct = max(1, round(time_limit * 0.15))
    own = own_library_filters(theorem) if theorem is not None else []
    return "\n".join([
        HAMMER_IMPORT,
        "Set Hammer GSMode 0.",
        "Unset Hammer Parallel.",
        "Set Hammer Predictions 128.",
        f"Set Hammer ATPLimit {atp}.",
        f"Set Hammer ReconstrLimit {reconstruct}.",
        "Unset Hammer Vampire.",
        "Unset Hammer CVC4.",
        "Unset Hammer Z3.",
        *own,
    ])


@cache
def _install_key() -> str | None:
    """What CoqHammer's library facts depend on: the Coq and CoqHammer installed (None when
    Coq cannot say where it lives; nothing is cached then)."""
    import shutil

    from common.cache import key_of
    from common.errors import ProofplanError
    from prover.coq.trace_pipeline import theories_dir

    coqtop = shutil.which("coqtop")
    try:
        theories = theories_dir()
    except (ProofplanError, OSError):
        return None
    hammer = theories.parent / "user-contrib" / "Hammer"
    stamps = [(str(p), p.stat().st_mtime_ns if p.exists() else None)
              for p in (Path(coqtop).resolve() if coqtop else None, theories, hammer) if p is not None]
    return key_of(*stamps)


def _cached(name: str, compute, keep=bool):
    """``compute()``, kept on disk under the cache folder (:mod:`common.cache`) for this Coq."""
    from common.cache import cache_dir, cached_json

    key = _install_key()
    if key is None:
        return compute()
    return cached_json(cache_dir() / "hammer" / f"{name}-{key}.json", compute, keep=keep)


def _read_hammer_libraries() -> list[str]:
    from prover.coq.env import run_in_fresh_coqtop

    result, printed = run_in_fresh_coqtop([HAMMER_IMPORT], after=("Print Libraries.",), timeout=120.0)
    if not result.ok:
        return []
    return sorted(set(re.findall(r"^\s*(Coq(?:\.[\w']+)+)\s*$", printed, re.M)))


@cache
def hammer_libraries() -> frozenset[str]:
    """The libraries ``From Hammer Require Import Hammer.`` loads (about 190 of the standard
    library's), read once from a fresh ``coqtop`` and kept on disk for this Coq installation;
    empty if that fails."""
    return frozenset(_cached("libraries", _read_hammer_libraries))


def _read_library_requires() -> dict[str, list[str]]:
    from prover.coq.trace_pipeline import required_files, theories_dir
    from prover.coq.tracer import libraries

    theories = theories_dir()
    files = libraries(theories)
    requires: dict[str, list[str]] = {}
    for library in sorted(hammer_libraries()):
        rel = files.get(library)
        if rel is None:
            continue
        needs = outline((theories / rel).read_text(encoding="utf-8"), library).requires
        requires[library] = sorted({logical_name(target) for target in required_files(needs, rel, files)})
    return requires


@cache
def _hammer_library_graph() -> nx.DiGraph:
    """An edge from each library :func:`hammer_libraries` names to each library its source
    requires (read from the sources once, kept on disk for this Coq installation)."""
    graph = nx.DiGraph()
    for library, targets in _cached("requires", _read_library_requires).items():
        graph.add_node(library)
        graph.add_edges_from((library, target) for target in targets)
    return graph


def libraries_after(library: str) -> list[str]:
    """``library`` and every library CoqHammer's imports load that requires it, directly or not
    (sorted; empty when the imports do not load ``library``: they load every library they need)."""
    graph = _hammer_library_graph()
    return sorted({library, *nx.ancestors(graph, library)}) if library in graph else []


def own_library_filters(theorem: Theorem) -> list[str]:
    """``Add Hammer Filter L.`` for the library ``L`` of a theorem stated after its file prefix
    and for every library that requires ``L``, among those CoqHammer's imports load. Their
    compiled copies hold the theorem, the lemmas after it and lemmas proved from them; without
    the filters ``hammer``'s premise selection finds them (the leak check refuses a proof
    through the theorem or a later lemma of its file, one that goes through a later library is
    not caught). With them it sees what the theorem's file could use where the theorem stands:
    the libraries before it and the prefix's own copies of the earlier lemmas. Empty for other
    theorems (a filter naming a library that is not loaded is an error in Coq)."""
    if not theorem.prelude or not theorem.file_path or not theorem.file_path.endswith(".v"):
        return []
    library = logical_name(theorem.file_path.removeprefix("theories/"))
    return [f"Add Hammer Filter {lib}." for lib in libraries_after(library)]


@dataclass
class HammerWarmup:
    """Fills CoqHammer's feature cache of ``env``'s Coq process for a theorem's prelude and context
    (once per process and pair; the cache survives ``BackTo`` and later theorems)."""

    env: ProofEnv
    timeout: float = 300.0
    _done: set[tuple[int | None, str]] = field(default_factory=set)

    def _key(self, theorem: Theorem) -> tuple[int | None, str, int]:
        return getattr(getattr(self.env, "coqtop", None), "pid", None), theorem.context, hash(theorem.prelude)

    def __call__(self, theorem: Theorem) -> float:
        """Seconds spent (0 when this process already warmed up for ``theorem``'s prelude and
        context). The theorem's prelude and context stay loaded, so its own ``open`` is quick."""
        if self._key(theorem) in self._done:
            return 0.0
        start = time.monotonic()
        try:
            state = self.env.open(Theorem("hammer_warmup", "True", theorem.context, prelude=theorem.prelude))
            self.env.run_tac(state, "predict 1.", timeout=self.timeout)
        except ProverError:
            return time.monotonic() - start  # the theorem's own open reports a bad context
        self._done.add(self._key(theorem))
        return time.monotonic() - start

    def at(self, state: ProofState, theorem: Theorem) -> float:
        """As :meth:`__call__`, on ``state``, a state of ``theorem`` the search holds (its context
        is loaded already; ``predict 1.`` leaves the goals as they are)."""
        if self._key(theorem) in self._done:
            return 0.0
        start = time.monotonic()
        try:
            self.env.run_tac(state, "predict 1.", timeout=self.timeout)
        except ProverError:
            return time.monotonic() - start  # hammer's own call reports the trouble
        self._done.add(self._key(theorem))
        return time.monotonic() - start


def is_hammer(tactic: str) -> bool:
    return without_timeout(tactic.strip()) == HAMMER_TACTIC


@dataclass
class HammerTimeEnv(ProofEnv):
    """``env`` with its own time limit for ``hammer`` (the search's per-tactic limit is sized for
    cheap tactics), never beyond the theorem's deadline; remembers the last finished state so a
    proof can be read back with hammer's reconstruction in place of ``hammer.``. With a
    ``warmup``, the first ``hammer`` call for a theorem's context fills CoqHammer's feature cache
    first, with ``clock`` (which the search reads) paused."""

    env: ProofEnv
    time_limit: float
    deadline: float | None = None
    last_finished: int | None = None
    warmup: HammerWarmup | None = None
    clock: SearchClock = field(default_factory=SearchClock)
    #: seconds the warm-up took since the last :meth:`open`
    warmup_seconds: float = 0.0
    _theorem: Theorem | None = None

    def open(self, theorem: Theorem) -> ProofState:
        self.last_finished = None
        self.warmup_seconds = 0.0
        self._theorem = theorem
        return self.env.open(theorem)

    def run_tac(self, state: ProofState, tactic: str, timeout: float = 5.0) -> TacticResult:
        if is_hammer(tactic):
            if self.warmup is not None and self._theorem is not None:
                with self.clock.paused():
                    self.warmup_seconds += self.warmup.at(state, self._theorem)
            limit = self.time_limit
            if self.deadline is not None:
                limit = min(limit, self.deadline - self.clock.now())
            timeout = max(timeout, limit)
        outcome = self.env.run_tac(state, tactic, timeout=timeout)
        if isinstance(outcome, ProofFinished):
            self.last_finished = outcome.id
        return outcome

    def verify(self, theorem: Theorem, proof: list[str]) -> bool:
        return self.env.verify(theorem, proof)

    def search_form(self, tactic: str) -> str:
        return self.env.search_form(tactic)

    def repairs(self, state: ProofState, tactic: str, error: str) -> list[str]:
        return self.env.repairs(state, tactic, error)

    def close(self) -> None:
        self.env.close()

    def reconstructed(self, proof: list[str]) -> list[str]:
        """``proof`` with each ``hammer.`` replaced by the tactic hammer printed for it (read
        from the env's record of the last finished state; ``proof`` unchanged if none)."""
        if not any(is_hammer(t) for t in proof) or self.last_finished is None:
            return proof
        tactics_to = getattr(self.env, "tactics_to", None)
        if tactics_to is None:
            return proof
        recorded = [without_timeout(t) for t in tactics_to(self.last_finished)]
        return recorded if len(recorded) == len(proof) else proof


@dataclass
class HammerSearch:
    """A search ``prove`` whose env is a :class:`HammerTimeEnv`: sets the theorem's deadline,
    re-checks and reports proofs with hammer's reconstruction in place of ``hammer.``; ``warmup``
    runs in the env, before its first ``hammer`` call."""

    env: HammerTimeEnv
    time_limit: float | None
    warmup: HammerWarmup
    #: The search's ``prove``; set once the search is built around :meth:`checker`.
    prove: Callable[[Theorem], SearchResult] | None = None
    _resolved: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env.warmup = self.warmup

    def checker(self, inner: ProofChecker) -> ProofChecker:
        def check(theorem: Theorem, proof: list[str]) -> bool:
            rebuilt = self.env.reconstructed(proof)
            self._resolved[tuple(proof)] = rebuilt
            return inner(theorem, rebuilt)

        return check

    def __call__(self, theorem: Theorem) -> SearchResult:
        self._resolved.clear()
        assert self.prove is not None, "HammerSearch.prove is not set"
        self.env.deadline = None if self.time_limit is None else self.env.clock.now() + self.time_limit
        result = self.prove(theorem)
        result = replace(result, timings={**result.timings, "hammer_warmup": self.env.warmup_seconds})
        if result.proof is not None:
            proof = self._resolved.get(tuple(result.proof)) or self.env.reconstructed(result.proof)
            result = replace(result, proof=proof)
        return result
