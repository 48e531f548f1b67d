"""A visit's clock: the warning countdown, the timeout, the goodbye screen's seconds."""

from __future__ import annotations

from kiosk.config import KioskSection
from kiosk.journeys.clock import GOODBYE_S, VisitClock
from kiosk.timeouts import ScreenTimer


def _clock(section: KioskSection) -> tuple[VisitClock, list[KioskSection]]:
    current = [section]
    return VisitClock(lambda: current[0]), current


def _left(timer: ScreenTimer, seconds: float) -> None:
    timer._deadline = timer._clock() + seconds


def test_the_countdown_shows_only_in_the_warning_and_the_timeout_ends_the_visit() -> None:
    clock, _ = _clock(KioskSection(screen_timeout_s=90))
    assert clock.countdown() is None and clock.advance(1.0) == ""  # no visit: nothing runs
    clock.start(elder=False)
    assert clock.timer is not None and clock.countdown() is None and clock.advance(1.0) == ""
    _left(clock.timer, 12)
    assert clock.countdown() == 12
    clock.touch()
    assert clock.countdown() is None
    _left(clock.timer, -1)
    assert clock.advance(1.0) == "timeout"
    clock.stop()
    assert clock.timer is None and clock.advance(1.0) == ""


def test_goodbye_ends_the_visit_after_its_seconds_and_hides_the_countdown() -> None:
    clock, _ = _clock(KioskSection(screen_timeout_s=90))
    clock.start(elder=False)
    assert clock.timer is not None
    _left(clock.timer, 5)  # a warning that the goodbye screen must not show
    clock.goodbye()
    assert clock.countdown() is None
    assert clock.advance(GOODBYE_S - 1) == ""
    assert clock.advance(1.0) == "goodbye shown"
    clock.start(elder=False)  # the next visit starts without a goodbye
    assert clock.advance(GOODBYE_S) == ""


def test_elder_mode_and_a_new_config_lengthen_the_next_period() -> None:
    clock, current = _clock(KioskSection(screen_timeout_s=60, elder_timeout_factor=2.0))
    clock.start(elder=False)
    assert clock.timer is not None and clock.timer.timeout_s == 60
    clock.restart(elder=True)
    assert clock.timer.timeout_s == 120
    current[0] = KioskSection(screen_timeout_s=100, elder_timeout_factor=2.0)
    clock.restart(elder=False)
    assert clock.timer.timeout_s == 100


def test_a_hold_stops_the_countdown_and_the_timeout_for_its_length() -> None:
    clock, _ = _clock(KioskSection(screen_timeout_s=90))
    clock.start(elder=False)
    assert clock.timer is not None
    clock.hold(True, 100)
    _left(clock.timer, -1)
    assert clock.countdown() is None and clock.advance(50) == ""
    clock.hold(True, 100)  # asked again each tick: the hold does not start over
    assert clock.advance(51) == ""  # the hold ran out: a full period from now
    assert clock.timer.remaining() > 80
    clock.hold(True, 100)  # the same call does not hold again
    _left(clock.timer, -1)
    assert clock.advance(1) == "timeout"


def test_releasing_a_hold_starts_a_full_period() -> None:
    clock, _ = _clock(KioskSection(screen_timeout_s=90))
    clock.start(elder=False)
    assert clock.timer is not None
    clock.hold(True, 100)
    _left(clock.timer, 3)
    clock.hold(False, 100)
    assert clock.countdown() is None and clock.timer.remaining() > 80
