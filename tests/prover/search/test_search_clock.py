"""The search's clock stands still while paused, so work kept off a theorem's budget (hammer's
warm-up) does not count in its deadline or its reported times."""

import prover.search.clock as clock_module
from prover.search.clock import SearchClock


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def monotonic(self) -> float:
        return self.t


def test_paused_seconds_are_left_out(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(clock_module.time, "monotonic", fake.monotonic)
    clock = SearchClock()
    start = clock.now()
    fake.t += 2.0
    with clock.paused():
        fake.t += 30.0
        assert clock.now() - start == 2.0  # stands still inside
        with clock.paused():  # a nested pause counts once
            fake.t += 5.0
    fake.t += 1.0
    assert clock.now() - start == 3.0
    assert clock.paused_seconds == 35.0
