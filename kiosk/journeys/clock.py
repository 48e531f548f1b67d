"""A visit's time: the screen timer with its 20-second warning, and the goodbye screen's seconds.

An unattended visit must end and wipe itself, but never without warning a citizen who
is still reading: the bar shows a countdown with "I need more time" first. The goodbye
screen ends the visit by itself a few seconds after it appears. While staff are on their
way to a help call the visit is held: no countdown and no timeout, for at most the hold's
length, then a full period starts. The controller ticks this about once a second and ends
the visit for the reason it returns.
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
        self._hold_left: float | None = None
        self._hold_spent = False
        """This hold ran out: the same call does not hold the visit again."""

    @property
    def held(self) -> bool:
        return self._hold_left is not None

    def hold(self, wanted: bool, seconds: float) -> None:
        """Hold the visit against the timeout while ``wanted`` (a help call is open), ``seconds`` at most."""
        if wanted and self._hold_left is None and not self._hold_spent and self.timer is not None:
            self._hold_left = seconds
        elif not wanted:
            self._hold_spent = False
            if self._hold_left is not None:
                self._hold_left = None
                self.touch()  # a full period from the end of the hold

    def start(self, elder: bool) -> None:
        """A new visit: a full screen period, no goodbye, no hold."""
        self._goodbye_left = None
        self._hold_left = None
        self._hold_spent = False
        self.restart(elder)

    def restart(self, elder: bool) -> None:
        """A full screen period from now, longer in elder mode."""
        cfg = self._settings()
        self.timer = ScreenTimer(cfg.screen_timeout_s, factor=cfg.elder_timeout_factor if elder else 1.0)

    def stop(self) -> None:
        self.timer = None
        self._goodbye_left = None
        self._hold_left = None
        self._hold_spent = False

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
        if self._hold_left is not None:
            self._hold_left -= dt
            if self._hold_left <= 0:
                self._hold_left = None
                self._hold_spent = True
                self.touch()
            return ""
        if self.timer is not None and self.timer.phase() is Phase.EXPIRED:
            return "timeout"
        return ""

    def countdown(self) -> int | None:
        """Seconds left while the timeout warning shows (never on the goodbye screen nor while held), else None."""
        if (self.timer is None or self._goodbye_left is not None or self._hold_left is not None
                or self.timer.phase() is not Phase.WARNING):
            return None
        return self.timer.countdown()
