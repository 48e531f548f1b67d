"""The help button holds the visit until staff come, says how it goes, and can be cancelled;
the reference platform (over HTTP) hears the cancel."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from kiosk.i18n import set_language
from kiosk.journeys.help import HOLD_S
from reference_platform.server import ServerHandle, serve_in_thread

from .fault_proxy import FaultProxy
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


@pytest.fixture
def platform_down(tmp_path) -> Iterator[tuple[Kiosk, FaultProxy, ServerHandle]]:
    """A kiosk whose help calls cannot reach the reference platform until ``proxy.fault = "ok"``."""
    server = serve_in_thread(str(tmp_path / "platform.sqlite3"), always_open=True)
    proxy = FaultProxy(server.url, stall_s=2.0)
    proxy.fault, proxy.only = "reset", "/v1/help-calls"
    kiosk = Kiosk(tmp_path / "kiosk", platform_url=proxy.url, platform={"connect_timeout_s": 1.0,
                                                                          "read_timeout_s": 1.0})
    try:
        yield kiosk, proxy, server
    finally:
        kiosk.close()
        proxy.close()
        server.stop()


def test_a_call_journaled_while_the_platform_is_down_can_be_cancelled(platform_down) -> None:
    """Pressed and cancelled during an outage: once the platform is back it hears the call,
    then its cancel, in that order (through the real outbox), and no staff are sent."""
    kiosk, proxy, server = platform_down
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("help")
    assert kiosk.loop.run_until(lambda: "已记录您的求助" in kiosk.controller.help.status, 15)
    journal = kiosk.runtime.journal
    kiosk.act("help")  # 取消呼叫
    assert kiosk.frame().chrome.help_status == "已取消求助"
    assert kiosk.loop.run_until(lambda: journal.counts()["pending"] == 2, 10), journal.counts()
    assert _calls_at(server) == []

    proxy.fault = "ok"
    kiosk.runtime.sender.kick()
    assert kiosk.loop.run_until(lambda: journal.depth() == 0, 30), journal.counts()
    assert _calls_at(server) == ["cancelled"]
    sent = [(method, path) for method, path, _fault in proxy.hits if _fault == "ok"]
    created = sent.index(("POST", "/v1/help-calls"))
    assert any(m == "POST" and p.endswith("/cancel") for m, p in sent[created + 1:]), sent


def _calls_at(server: ServerHandle) -> list[str]:
    with sqlite3.connect(server.db_path) as db:
        return [row[0] for row in db.execute("SELECT status FROM help_calls ORDER BY created_at")]
