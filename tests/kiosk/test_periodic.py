"""The periodic round: at once, then after the interval, sooner after a failure; stop does not wait the pause out."""

from __future__ import annotations

import threading
import time

from kiosk.periodic import Periodic


class Rounds(Periodic):
    thread_name = "test-rounds"

    def __init__(self, results: list[bool], interval_s: float, retry_s: float) -> None:
        super().__init__(interval_s, retry_s)
        self.results = results
        self.times: list[float] = []
        self.done = threading.Event()

    def step(self) -> bool:
        self.times.append(time.monotonic())
        if len(self.times) >= len(self.results):
            self.done.set()
        return self.results[min(len(self.times), len(self.results)) - 1]


def test_first_round_at_once_and_a_failed_round_retried_after_retry_s() -> None:
    rounds = Rounds([False, False, True], interval_s=60.0, retry_s=0.05)
    started = time.monotonic()
    rounds.start()
    assert rounds.done.wait(5)
    rounds.stop()
    assert rounds.times[0] - started < 1.0
    assert 0.04 <= rounds.times[1] - rounds.times[0] < 1.0


def test_stop_ends_the_pause_after_a_good_round() -> None:
    rounds = Rounds([True], interval_s=60.0, retry_s=60.0)
    rounds.start()
    assert rounds.done.wait(5)
    started = time.monotonic()
    rounds.stop()
    assert time.monotonic() - started < 1.0 and len(rounds.times) == 1
    assert rounds._thread is not None and not rounds._thread.is_alive()
