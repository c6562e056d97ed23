"""Proof-search evaluation spread over Ray workers.

Each worker is a Ray actor that owns one proof-assistant process (a :class:`~prover.coq.CoqEnv`)
and builds the configuration's prover on it with
:func:`prover.search.configs.evaluation_prover`, the function the single-process run uses (so
proofs get the same re-check, including the leak check of
:class:`~prover.search.leak_check.FutureLemmaCheck`). The
tactic generator is either loaded by every worker, or served by one :class:`GeneratorService`
actor that collects the requests of all workers and answers them with batched
``suggest_batch`` calls. The driver keeps each worker's queue two theorems deep (so a worker
never waits for the driver) and appends each finished record to the results file itself, so
the file, the resume rule (skip every ``(config, name)`` already recorded) and the summary are
those of :func:`prover.search.evaluation.evaluate`; only the order of the lines may differ.

Online learning (:mod:`prover.search.online`) runs inside each worker that loads its own
generator: its k-NN memory gets the earlier lemmas of each theorem's file and the proofs that
worker found. With the shared generator the memory lives in the service, and it stays fixed.

A worker that dies (its process killed, out of memory) is replaced and its theorem run again;
a theorem that kills two workers is recorded as an ``error``. Ray is an optional extra
(``pip install 'proofplan[ray]'``): it is imported only when a distributed run starts.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import ProofplanError
from common.results_file import append_record
from prover.env import ProofEnv, Theorem
from prover.models.common import TacticCandidate, TacticGenerator
from prover.search.configs import (
    AUTOMATION_CONFIGS,
    ProverSettings,
    base_generator_config,
    check_config,
    evaluation_prover,
    load_components,
)
from prover.search.evaluation import (
    EvalRecord,
    EvalSummary,
    Prover,
    pending_theorems,
    prove_record,
    summarize_file,
    theorem_id,
    with_file_prefix,
)

#: Builds the proof-assistant session of one worker (called inside the worker process).
EnvFactory = Callable[[], ProofEnv]


class RayUnavailableError(ProofplanError):
    """Ray is not installed, or the cluster at the given address cannot be reached."""


@dataclass(frozen=True)
class RaySettings:
    """How a distributed run is laid out.

    ``address`` is a running cluster's address (``auto``, ``HOST:PORT``, ``ray://...``); None
    starts a local cluster with ``workers`` CPUs. Each worker has up to ``tasks_per_worker``
    theorems queued at once. ``shared_generator`` serves the tactic
    generator from one actor that batches the requests of all workers (up to ``max_batch``
    states, waiting ``batch_wait_s`` for more after the first); otherwise each worker loads its
    own. ``max_attempts`` is how often a theorem may be sent to a worker that then dies.
    """

    address: str | None = None
    workers: int = 2
    shared_generator: bool = False
    max_batch: int = 32
    batch_wait_s: float = 0.005
    max_attempts: int = 2
    tasks_per_worker: int = 2

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ProofplanError("the number of Ray workers must be >= 1")
        if self.max_attempts < 1:
            raise ProofplanError("max_attempts must be >= 1")
        if self.tasks_per_worker < 1:
            raise ProofplanError("tasks_per_worker must be >= 1")


@dataclass
class RunStats:
    """What happened during one distributed run (for logs and tests)."""

    theorems_run: int = 0
    worker_restarts: int = 0
    by_worker: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    generator_requests: int = 0
    generator_batches: int = 0


def _default_env() -> ProofEnv:
    from prover.coq import CoqEnv

    return CoqEnv()


class GeneratorService:
    """One tactic generator shared by all workers; concurrent requests become one batch.

    Run as an async Ray actor: every ``suggest`` call waits on a future while a single loop
    gathers what has arrived, groups it by ``k`` and runs each group through the generator's
    ``suggest_batch`` on one executor thread (the model is never used by two threads at once).
    """

    def __init__(self, config: str, settings: ProverSettings, max_batch: int = 32,
                 batch_wait_s: float = 0.005) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.config = config
        self.settings = settings
        self.generator: TacticGenerator | None = None
        self.max_batch = max_batch
        self.batch_wait_s = batch_wait_s
        self.requests = 0
        self.batches = 0
        self._queue: asyncio.Queue[tuple[str, list[str], int, asyncio.Future[Any]]] | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generator")

    async def setup(self) -> None:
        """Load the generator (a failure reaches the driver as the task's own exception)."""
        self.generator = load_components(base_generator_config(self.config), self.settings).generator

    async def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._loop_task = asyncio.create_task(self._serve())
        future: asyncio.Future[list[TacticCandidate]] = asyncio.get_running_loop().create_future()
        await self._queue.put((state, premises, k, future))
        return await future

    async def stats(self) -> tuple[int, int]:
        """``(requests, batches)`` answered so far."""
        return self.requests, self.batches

    async def _gather(self) -> list[tuple[str, list[str], int, asyncio.Future[Any]]]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.batch_wait_s
        while len(batch) < self.max_batch:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), left))
            except asyncio.TimeoutError:
                break
        return batch

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            groups: dict[int, list[tuple[str, list[str], int, asyncio.Future[Any]]]] = defaultdict(list)
            for item in await self._gather():
                groups[item[2]].append(item)
            for k, items in groups.items():
                self.requests += len(items)
                self.batches += 1
                assert self.generator is not None, "setup() was not called"
                try:
                    answers = await loop.run_in_executor(
                        self._executor, self.generator.suggest_batch,
                        [s for s, _, _, _ in items], [p for _, p, _, _ in items], k,
                    )
                except Exception as exc:  # noqa: BLE001 - handed to every waiting worker
                    for *_, fut in items:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for (*_, fut), answer in zip(items, answers, strict=True):
                    if not fut.done():
                        fut.set_result(answer)


class RemoteGenerator:
    """A :class:`~prover.models.common.TacticGenerator` that asks a :class:`GeneratorService` actor."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def suggest(self, state: str, premises: list[str], k: int) -> list[TacticCandidate]:
        import ray

        return ray.get(self.service.suggest.remote(state, premises, k))

    def suggest_batch(
        self, states: list[str], premises: list[list[str]], k: int
    ) -> list[list[TacticCandidate]]:
        import ray

        refs = [self.service.suggest.remote(s, p, k) for s, p in zip(states, premises, strict=True)]
        return ray.get(refs)


class ProverWorker:
    """One worker: a proof-assistant process and the configuration's prover built on it."""

    def __init__(self, config: str, settings: ProverSettings, env_factory: EnvFactory | None,
                 service: Any | None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.config = config
        self.settings = settings
        self.env_factory = env_factory or _default_env
        self.service = service
        self.env: ProofEnv | None = None
        self.prover: Prover | None = None

    def setup(self) -> int:
        """Start the proof assistant and load the models; returns this worker's process id."""
        self.env = self.env_factory()
        components = None
        if self.config not in AUTOMATION_CONFIGS and self.service is not None:
            components = load_components(self.config, self.settings, RemoteGenerator(self.service))
        self.prover = evaluation_prover(self.config, self.env, self.settings, components)
        return os.getpid()

    def prove(self, theorem: Theorem, fallback: Theorem | None = None) -> EvalRecord:
        """One record; a theorem stated after its file prefix that does not load there is
        searched as ``fallback`` (:func:`~prover.search.evaluation.with_file_prefix`)."""
        assert self.prover is not None and self.env is not None, "setup() was not called"
        prover = self.prover
        if theorem.prelude:
            prover = with_file_prefix(prover, self.env, {theorem_id(theorem): fallback} if fallback else {})
        return prove_record(prover, self.config, theorem)

    def close(self) -> None:
        if self.env is not None:
            self.env.close()
            self.env = None


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailableError(
            "Ray is not installed: pip install 'proofplan[ray]' (or run without --ray)"
        ) from None
    return ray


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a ``HOST:PORT`` (or ``ray://HOST:PORT``) nobody listens on.

    ``ray.init`` retries an unreachable address for minutes; a TCP connect answers at once.
    Other forms (``auto``, ``local``) are left to Ray.
    """
    import socket

    hostport = address.split("://", 1)[-1]
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        if "://" in address or hostport not in ("auto", "local"):
            raise RayUnavailableError(f"bad Ray address {address!r}: expected HOST:PORT, ray://HOST:PORT or auto")
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise RayUnavailableError(f"cannot reach Ray at {address}: {exc.strerror or exc}") from None


def _connect(ray: Any, settings: RaySettings) -> bool:
    """Initialise Ray unless it already is; True when this call started the connection."""
    if ray.is_initialized():
        return False
    if settings.address is not None:
        check_reachable(settings.address)
    try:
        if settings.address is None:
            ray.init(num_cpus=settings.workers, include_dashboard=False, log_to_driver=False,
                     logging_level="WARNING", configure_logging=True)
        else:
            ray.init(address=settings.address, log_to_driver=False, logging_level="WARNING")
    except (ConnectionError, ValueError, RuntimeError, ImportError) as exc:
        where = settings.address or "a local cluster"
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RayUnavailableError(f"cannot start or reach Ray at {where}: {msg}") from None
    return True


def _unwrap(ray: Any, exc: Exception) -> BaseException:
    """The user-facing exception inside a Ray task error (a ProofplanError stays one)."""
    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            return cause
    return exc


class RayEvaluation:
    """A pool of :class:`ProverWorker` actors (and the generator service) for one config.

    Use as a context manager; :meth:`run` may be called several times.
    """

    def __init__(
        self,
        config: str,
        settings: ProverSettings,
        ray_settings: RaySettings | None = None,
        env_factory: EnvFactory | None = None,
    ) -> None:
        self.config = check_config(config)
        self.settings = settings
        self.ray_settings = ray_settings or RaySettings()
        self.env_factory = env_factory
        self.stats = RunStats()
        self._ray: Any = None
        self._owns_ray = False
        self._service: Any = None
        self._workers: list[Any] = []
        self._worker_cls: Any = None
        #: Process id of each worker slot's actor (updated when a worker is replaced).
        self.worker_pids: list[int] = []

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> RayEvaluation:
        ray = self._ray = _import_ray()
        self._owns_ray = _connect(ray, self.ray_settings)
        try:
            rs = self.ray_settings
            cpus = ray.cluster_resources().get("CPU", 0)
            if cpus < rs.workers:  # actors that can never be placed would wait forever
                raise RayUnavailableError(
                    f"the Ray cluster has {cpus:g} CPUs; {rs.workers} workers need one each")
            if rs.shared_generator and self.config not in AUTOMATION_CONFIGS:
                service_cls = ray.remote(num_cpus=0, max_concurrency=1000)(GeneratorService)
                self._service = service_cls.remote(self.config, self.settings, rs.max_batch, rs.batch_wait_s)
                try:
                    ray.get(self._service.setup.remote())
                except ray.exceptions.RayError as exc:
                    raise _unwrap(ray, exc) from None
            self._worker_cls = ray.remote(num_cpus=1, max_restarts=0)(ProverWorker)
            self._workers = [self._new_worker() for _ in range(rs.workers)]
            self.worker_pids = self._setup(self._workers)
        except BaseException:
            self.close()
            raise
        return self

    def _new_worker(self) -> Any:
        return self._worker_cls.remote(self.config, self.settings, self.env_factory, self._service)

    def _setup(self, workers: list[Any]) -> list[int]:
        ray = self._ray
        try:
            return ray.get([w.setup.remote() for w in workers])
        except ray.exceptions.RayError as exc:
            raise _unwrap(ray, exc) from None

    def close(self) -> None:
        ray = self._ray
        if ray is None:
            return
        for w in self._workers:
            try:
                ray.get(w.close.remote(), timeout=10)
            except Exception:  # noqa: BLE001 - a dead worker has nothing left to close
                pass
            ray.kill(w)
        self._workers = []
        if self._service is not None:
            ray.kill(self._service)
            self._service = None
        if self._owns_ray:
            ray.shutdown()
            self._owns_ray = False
        self._ray = None

    def __enter__(self) -> RayEvaluation:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running -------------------------------------------------------------------------------

    def run(
        self,
        theorems: Sequence[Theorem],
        out: str | Path,
        show_progress: bool = True,
        on_record: Callable[[EvalRecord], None] | None = None,
        console: Any = None,
        fallbacks: Mapping[str, Theorem] | None = None,
    ) -> EvalSummary:
        """Prove every theorem not yet in ``out`` for this config; the summary of all of them.
        ``fallbacks``: by theorem id, what a theorem whose file prefix does not load is searched as."""
        ray = self._ray
        if ray is None:
            raise RuntimeError("RayEvaluation.start() was not called")
        out = Path(out)
        todo: deque[Theorem] = deque(pending_theorems(theorems, out, self.config))
        attempts: dict[str, int] = defaultdict(int)
        in_flight: dict[Any, tuple[int, int, Theorem]] = {}  # ref -> (slot, generation, theorem)
        generation = [0] * len(self._workers)  # bumped when a slot's worker is replaced
        load = [0] * len(self._workers)

        progress = None
        task = None
        if show_progress:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            progress = Progress(TextColumn(f"[bold]{self.config} (ray x{len(self._workers)})"),
                                BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
            progress.start()
            task = progress.add_task(self.config, total=len(theorems),
                                     completed=len(theorems) - len(todo))

        def fill(slot: int) -> None:
            # A second queued theorem hides the driver's round trip from the worker.
            while todo and load[slot] < self.ray_settings.tasks_per_worker:
                thm = todo.popleft()
                attempts[theorem_id(thm)] += 1
                fallback = (fallbacks or {}).get(theorem_id(thm))
                in_flight[self._workers[slot].prove.remote(thm, fallback)] = (slot, generation[slot], thm)
                load[slot] += 1

        try:
            for slot in range(len(self._workers)):
                fill(slot)
            while in_flight:
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                slot, gen, thm = in_flight.pop(ready[0])
                load[slot] -= 1
                try:
                    record = ray.get(ready[0])
                except ray.exceptions.RayTaskError as exc:
                    raise _unwrap(ray, exc) from None
                except ray.exceptions.RayError as exc:  # the worker process died
                    if gen == generation[slot]:
                        self._replace_worker(slot)
                        generation[slot] += 1
                    record = self._retry_or_fail(thm, attempts, todo, exc)
                if record is not None:
                    append_record(out, record)
                    self.stats.theorems_run += 1
                    self.stats.by_worker[slot] += 1
                    if on_record is not None:
                        on_record(record)
                    if progress is not None and task is not None:
                        progress.update(task, advance=1)
                fill(slot)
        finally:
            for ref in in_flight:  # an error ends the run: drop what is queued
                try:
                    ray.cancel(ref)
                except Exception:  # noqa: BLE001 - already finished or its worker is gone
                    pass
            if progress is not None:
                progress.stop()
        if self._service is not None:
            self.stats.generator_requests, self.stats.generator_batches = ray.get(self._service.stats.remote())
        return summarize_file(out, self.config, theorems)

    def _replace_worker(self, slot: int) -> None:
        """Start a fresh worker in ``slot`` (its predecessor died)."""
        self._ray.kill(self._workers[slot])
        self._workers[slot] = self._new_worker()
        self.stats.worker_restarts += 1
        self.worker_pids[slot] = self._setup([self._workers[slot]])[0]

    def _retry_or_fail(self, thm: Theorem, attempts: dict[str, int], todo: deque[Theorem],
                       exc: Exception) -> EvalRecord | None:
        """Requeue a theorem whose worker died, or record it as an error after max_attempts."""
        name = theorem_id(thm)
        if attempts[name] < self.ray_settings.max_attempts:
            todo.appendleft(thm)
            return None
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        return EvalRecord(config=self.config, name=name, status="error", proved=False, time=0.0,
                          error=f"worker died {attempts[name]} times: {reason}")


def evaluate_ray(
    theorems: Sequence[Theorem],
    config: str,
    settings: ProverSettings,
    out: str | Path,
    ray_settings: RaySettings | None = None,
    env_factory: EnvFactory | None = None,
    show_progress: bool = True,
    console: Any = None,
    fallbacks: Mapping[str, Theorem] | None = None,
) -> EvalSummary:
    """:func:`prover.search.evaluation.evaluate` over Ray workers: same results file, same resume
    rule, the same fallback for a theorem whose file prefix does not load."""
    with RayEvaluation(config, settings, ray_settings, env_factory) as pool:
        return pool.run(theorems, out, show_progress=show_progress, console=console, fallbacks=fallbacks)
