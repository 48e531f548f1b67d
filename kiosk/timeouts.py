"""Screen timeouts with a warning phase, as pure logic the UI polls.

Every screen ends a visit after a period without touches; the last ``warn_s`` seconds
show a countdown with "I need more time". Keeping this out of Kivy lets the journeys
and tests drive time directly through the injected clock.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable


class Phase(enum.Enum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


class ScreenTimer:
    WARN_S = 20.0

    def __init__(self, timeout_s: float, *, factor: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if timeout_s * factor <= self.WARN_S:
            raise ValueError(f"a screen timeout must exceed the {self.WARN_S:.0f} s warning")
        self.timeout_s = timeout_s * factor
        self._clock = clock
        self._deadline = clock() + self.timeout_s

    def touch(self) -> None:
        """Any touch or device event from the citizen restarts the full period."""
        self._deadline = self._clock() + self.timeout_s

    more_time = touch

    def remaining(self) -> float:
        return max(0.0, self._deadline - self._clock())

    def phase(self) -> Phase:
        left = self.remaining()
        if left <= 0:
            return Phase.EXPIRED
        return Phase.WARNING if left <= self.WARN_S else Phase.ACTIVE

    def countdown(self) -> int:
        """Whole seconds to show in the warning (20 ... 1)."""
        return int(self.remaining() + 0.999)
