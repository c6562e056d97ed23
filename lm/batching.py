"""Request batching: prompts from concurrent callers run as one batched ``generate`` call.

Callers ``await submit(prompt, config)``. A single worker collects what is queued (waiting up
to ``max_wait_s`` after the first request when idle), groups prompts with the same
:class:`GenerationConfig`, and runs each group through the model on one executor thread, so
the model is never used by two threads at once.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lm.base import Candidate, GenerationConfig, LanguageModel


@dataclass
class _Pending:
    prompt: str
    config: GenerationConfig
    future: asyncio.Future[list[Candidate]]


@dataclass
class BatchStats:
    """Counters a benchmark or health check can read."""

    requests: int = 0
    batches: int = 0
    largest_batch: int = 0
    batch_sizes: list[int] = field(default_factory=list)


class BatchingGenerator:
    """Serialises access to one model and batches concurrent requests into single calls."""

    def __init__(
        self, model: LanguageModel, *, max_batch_prompts: int = 32, max_wait_s: float = 0.02
    ) -> None:
        self.model = model
        self.max_batch_prompts = max_batch_prompts
        self.max_wait_s = max_wait_s
        self.stats = BatchStats()
        self._queue: asyncio.Queue[_Pending] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lm-batch")
        self._worker = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._queue = self._worker = self._executor = None

    async def submit(self, prompt: str, config: GenerationConfig) -> list[Candidate]:
        if self._queue is None:
            raise RuntimeError("BatchingGenerator.start() was not awaited")
        future: asyncio.Future[list[Candidate]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(prompt, config, future))
        return await future

    async def _collect(self) -> list[_Pending]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        deadline = asyncio.get_running_loop().time() + self.max_wait_s
        while len(batch) < self.max_batch_prompts:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except asyncio.TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        executor = self._executor
        while True:
            batch = await self._collect()
            groups: dict[GenerationConfig, list[_Pending]] = defaultdict(list)
            for item in batch:
                if not item.future.cancelled():
                    groups[item.config].append(item)
            for config, items in groups.items():
                self.stats.requests += len(items)
                self.stats.batches += 1
                self.stats.largest_batch = max(self.stats.largest_batch, len(items))
                self.stats.batch_sizes.append(len(items))
                prompts = [item.prompt for item in items]
                try:
                    results = await loop.run_in_executor(
                        executor, self.model.generate_with, prompts, config
                    )
                except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                    for item in items:
                        if not item.future.done():
                            item.future.set_exception(exc)
                    continue
                for item, result in zip(items, results, strict=True):
                    if not item.future.done():
                        item.future.set_result(result)
