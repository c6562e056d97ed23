"""A search's clock: monotonic seconds that stand still while paused.

Work a search needs but must not pay for out of its budget (CoqHammer's one-off feature
extraction before the first ``hammer`` call of a process, :mod:`prover.search.hammer`) runs
inside :meth:`SearchClock.paused`; the search reads its deadline, its elapsed time and its
timings from :meth:`SearchClock.now`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class SearchClock:
    """``time.monotonic()`` less every second spent inside :meth:`paused`."""

    paused_seconds: float = 0.0
    _since: float | None = None

    def now(self) -> float:
        at = self._since if self._since is not None else time.monotonic()
        return at - self.paused_seconds

    @contextmanager
    def paused(self) -> Iterator[None]:
        if self._since is not None:  # already paused by an outer caller
            yield
            return
        self._since = time.monotonic()
        try:
            yield
        finally:
            self.paused_seconds += time.monotonic() - self._since
            self._since = None
