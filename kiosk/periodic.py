"""A round of work on a daemon thread: once at start, then again after a pause, until stopped.

The platform poller and the heartbeat both run this way: the first round at once (the
attract screen and the fleet dashboard should not wait a whole interval for news), a
shorter pause after a failed round, and a stop that does not sit out the pause.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod


class Periodic(ABC):
    """``step()`` at ``start()`` and then every ``interval_s`` (``retry_s`` after a step that returned False)."""

    thread_name = "periodic"

    def __init__(self, interval_s: float, retry_s: float) -> None:
        self.interval_s = interval_s
        self.retry_s = retry_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def step(self) -> bool:
        """One round; True when it succeeded."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the round in progress; called from a round itself, it only asks (no self-join)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)  # a round that stops the kiosk (a remote restart) cannot wait for itself

    def _run(self) -> None:
        while not self._stop.is_set():
            ok = self.step()
            self._stop.wait(self.interval_s if ok else self.retry_s)
