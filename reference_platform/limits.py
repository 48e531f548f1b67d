"""Rate limits on lookups by a bare code (an appointment code, a case's receipt code, a
certificate's verification code): a short code can be guessed, so each caller may miss
only ``MISSES_ALLOWED`` times in ``WINDOW_S`` per kind of code; after that every lookup of
that kind is refused (429 ``rate_limited`` with ``Retry-After``) until the oldest miss ages
out. Only misses count, so a hall checking in a busy morning's citizens is never slowed.

Kept in memory: a restart forgets the misses, which costs a guesser a restart of the
platform per few tries — not a way around the limit.
"""

from __future__ import annotations

import math
import threading
from collections import deque

from kiosk.platform.contract import problem as codes
from reference_platform.problems import PlatformProblem

MISSES_ALLOWED = 5
WINDOW_S = 60.0


class MissLimiter:
    def __init__(self, allowed: int = MISSES_ALLOWED, window_s: float = WINDOW_S) -> None:
        self.allowed = allowed
        self.window_s = window_s
        self._misses: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, caller: str, kind: str, now: float) -> None:
        """Raise 429 when ``caller`` used up its misses for ``kind``."""
        with self._lock:
            misses = self._recent(caller, kind, now)
            if len(misses) < self.allowed:
                return
            wait = max(1, math.ceil(misses[0] + self.window_s - now))
        raise PlatformProblem(
            429,
            codes.RATE_LIMITED,
            f"too many unknown {kind} lookups; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def miss(self, caller: str, kind: str, now: float) -> None:
        with self._lock:
            self._recent(caller, kind, now).append(now)

    def _recent(self, caller: str, kind: str, now: float) -> deque[float]:
        misses = self._misses.setdefault((caller, kind), deque())
        while misses and misses[0] <= now - self.window_s:
            misses.popleft()
        return misses
