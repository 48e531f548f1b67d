"""Blessing a boot: the app unit must become ready, then keep the same activation for the whole time."""

from __future__ import annotations

from kiosk.ops.bootok import UnitState, wait_healthy


class FakeSystemd:
    """A clock and a script of unit states: ``states[unit]`` is read in turn, the last one repeats."""

    def __init__(self, states: dict[str, list[UnitState | None]]) -> None:
        self.now = 0.0
        self.states = states

    def read(self, unit: str) -> UnitState | None:
        script = self.states.get(unit, [None])
        return script.pop(0) if len(script) > 1 else script[0]

    def sleep(self, s: float) -> None:
        self.now += s

    def run(self, healthy_for: float) -> tuple[bool, str]:
        return wait_healthy(healthy_for, read=self.read, clock=lambda: self.now, sleep=self.sleep,
                            ready_timeout_s=60, poll_s=2)


UP = UnitState("active", 1000, 0)


def test_ready_and_steady_is_good() -> None:
    fake = FakeSystemd({"kiosk.service": [UnitState("activating", 0, 0), UnitState("activating", 0, 0), UP]})
    good, detail = fake.run(120)
    assert good, detail
    assert fake.now >= 4 + 120  # waited for READY, then the whole healthy time


def test_the_cage_variant_counts_too() -> None:
    fake = FakeSystemd({"cage@tty1.service": [UP]})
    assert fake.run(10)[0]


def test_a_restart_while_watched_is_not_good() -> None:
    fake = FakeSystemd({"kiosk.service": [UP, UP, UP, UnitState("active", 9000, 1)]})
    good, detail = fake.run(120)
    assert not good and "restarted" in detail


def test_leaving_the_active_state_is_not_good() -> None:
    fake = FakeSystemd({"kiosk.service": [UP, UP, UnitState("failed", 1000, 0)]})
    good, detail = fake.run(120)
    assert not good and "failed" in detail


def test_never_ready_is_not_good() -> None:
    fake = FakeSystemd({"kiosk.service": [UnitState("activating", 0, 0)]})
    good, detail = fake.run(120)
    assert not good and "became ready" in detail and fake.now >= 60
