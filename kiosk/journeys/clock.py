"""A visit's time: the screen timer with its 20-second warning, and the goodbye screen's seconds.

An unattended visit must end and wipe itself, but never without warning a citizen who
is still reading: the bar shows a countdown with "I need more time" first. The goodbye
screen ends the visit by itself a few seconds after it appears. The controller ticks
this about once a second and ends the visit for the reason it returns.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.config import KioskSection
from kiosk.timeouts import Phase, ScreenTimer

GOODBYE_S = 6.0


class VisitClock:
    """When the visit ends by itself; ``countdown()`` is what the bar shows meanwhile."""

    def __init__(self, settings: Callable[[], KioskSection]) -> None:
        self._settings = settings
        """The running ``[kiosk]`` section, read at each new period so it follows the runtime's config."""
        self.timer: ScreenTimer | None = None
        self._goodbye_left: float | None = None

    def start(self, elder: bool) -> None:
        """A new visit: a full screen period, no goodbye."""
        self._goodbye_left = None
        self.restart(elder)

    def restart(self, elder: bool) -> None:
        """A full screen period from now, longer in elder mode."""
        cfg = self._settings()
        self.timer = ScreenTimer(cfg.screen_timeout_s, factor=cfg.elder_timeout_factor if elder else 1.0)

    def stop(self) -> None:
        self.timer = None
        self._goodbye_left = None

    def touch(self) -> None:
        """A touch or a device event used by the journey: the full period again."""
        if self.timer is not None:
            self.timer.touch()

    def goodbye(self) -> None:
        """The goodbye screen is up: the visit ends ``GOODBYE_S`` seconds from now, touched or not."""
        self._goodbye_left = GOODBYE_S

    def advance(self, dt: float) -> str:
        """``dt`` seconds went by: why the visit must end now ("goodbye shown", "timeout"), else ""."""
        if self._goodbye_left is not None:
            self._goodbye_left -= dt
            return "goodbye shown" if self._goodbye_left <= 0 else ""
        if self.timer is not None and self.timer.phase() is Phase.EXPIRED:
            return "timeout"
        return ""

    def countdown(self) -> int | None:
        """Seconds left while the timeout warning shows (never on the goodbye screen), else None."""
        if self.timer is None or self._goodbye_left is not None or self.timer.phase() is not Phase.WARNING:
            return None
        return self.timer.countdown()
