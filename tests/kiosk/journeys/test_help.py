"""The help button holds the visit until staff come, says how it goes, and can be cancelled;
the reference platform (over HTTP) hears the cancel."""

from __future__ import annotations

import sqlite3

from kiosk.i18n import set_language
from kiosk.journeys.help import HOLD_S

from .harness import Kiosk


def _calls(kiosk: Kiosk) -> list[str]:
    with sqlite3.connect(kiosk.runtime.server.db_path) as db:
        return [row[0] for row in db.execute("SELECT status FROM help_calls ORDER BY created_at")]


def _expire_screen_timer(kiosk: Kiosk) -> None:
    timer = kiosk.controller.clock.timer
    timer._deadline = timer._clock() - 1


def _call_help(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("help")
    assert kiosk.loop.run_until(lambda: "已通知工作人员" in kiosk.controller.help.status, 15)


def test_help_holds_the_visit_and_shows_its_status(kiosk: Kiosk) -> None:
    _call_help(kiosk)
    frame = kiosk.frame()
    assert "屏幕不会自动退出" in frame.chrome.help_status
    assert frame.chrome.label("help") == "取消呼叫"
    assert _calls(kiosk) == ["queued"]

    _expire_screen_timer(kiosk)  # staff take longer than the screen timeout
    for _ in range(5):
        kiosk.controller.tick(1.0)
    assert kiosk.controller.active and kiosk.screen == "home"
    assert kiosk.frame().chrome.countdown is None  # no "leaving in n seconds" while staff are coming


def test_cancel_tells_the_platform_and_the_timeout_runs_again(kiosk: Kiosk) -> None:
    _call_help(kiosk)
    kiosk.act("help")  # the same button, now "取消呼叫"
    assert kiosk.frame().chrome.help_status == "已取消求助"
    assert kiosk.frame().chrome.label("help") == "呼叫帮办"
    assert kiosk.loop.run_until(lambda: _calls(kiosk) == ["cancelled"], 10), _calls(kiosk)

    _expire_screen_timer(kiosk)
    kiosk.controller.tick(1.0)
    assert not kiosk.controller.active  # the visit times out as usual again


def test_leaving_cancels_an_open_call(kiosk: Kiosk) -> None:
    _call_help(kiosk)
    kiosk.act("end")
    kiosk.wait("goodbye")
    assert kiosk.loop.run_until(lambda: _calls(kiosk) == ["cancelled"], 10), _calls(kiosk)


def test_the_hold_ends_after_its_longest_time(kiosk: Kiosk) -> None:
    """A citizen who called and walked away is still wiped, once the platform stops sending staff."""
    _call_help(kiosk)
    kiosk.controller.tick(HOLD_S + 1)  # the hold runs out: a full screen period starts
    assert kiosk.controller.active
    _expire_screen_timer(kiosk)
    kiosk.controller.tick(1.0)
    assert not kiosk.controller.active
