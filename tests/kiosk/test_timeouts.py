import pytest

from kiosk.timeouts import Phase, ScreenTimer


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_phases_and_more_time():
    clock = FakeClock()
    timer = ScreenTimer(60, clock=clock)
    assert timer.phase() is Phase.ACTIVE
    clock.t = 41
    assert timer.phase() is Phase.WARNING and timer.countdown() == 19
    timer.more_time()
    assert timer.phase() is Phase.ACTIVE and timer.remaining() == 60
    clock.t = 101
    assert timer.phase() is Phase.EXPIRED and timer.countdown() == 0


def test_elder_factor_lengthens_the_timeout():
    assert ScreenTimer(60, factor=2.0, clock=FakeClock()).timeout_s == 120


def test_timeout_shorter_than_warning_is_refused():
    with pytest.raises(ValueError):
        ScreenTimer(15, clock=FakeClock())
