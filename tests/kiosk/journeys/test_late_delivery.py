"""A visit whose application and rating could not reach the platform: the kiosk comes back
online two hours later, long after the citizen's person token expired and after the end
of the visit ended the person session. Both are delivered, once (docs/platform.md,
"Late delivery"; docs/durability.md, section 1)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from kiosk.platform import signing
from reference_platform.server import ServerHandle, serve_in_thread

from .fault_proxy import FaultProxy
from .harness import Kiosk

FAST = {"connect_timeout_s": 1.0, "read_timeout_s": 1.0}
HOUR = 3600.0


class Clock:
    """Real time plus an offset the test moves; the platform and the kiosk's signatures use it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def offline(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Kiosk, FaultProxy, ServerHandle, Clock]]:
    clock = Clock()
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=clock))
    server = serve_in_thread(str(tmp_path / "platform.sqlite3"), always_open=True, clock=clock)
    proxy = FaultProxy(server.url, stall_s=2.0)
    kiosk = Kiosk(tmp_path / "kiosk", platform_url=proxy.url, platform=FAST)
    try:
        yield kiosk, proxy, server, clock
    finally:
        kiosk.close()
        proxy.close()
        server.stop()


def _platform(server: ServerHandle, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(server.db_path) as db:
        return db.execute(sql, args).fetchall()


def test_application_and_rating_queued_offline_are_delivered_after_the_token_expired(offline) -> None:
    kiosk, proxy, server, clock = offline
    proxy.fault, proxy.only = "reset", ("/v1/applications", "/v1/ratings")  # everything else gets through
    kiosk.to_apply_materials()
    kiosk.press("skip")
    kiosk.wait("apply.review")
    key = kiosk.controller.current.key
    kiosk.press("submit")
    kiosk.wait("apply.receipt")  # "saved, will be sent": the citizen was told it is submitted
    kiosk.press("done")
    kiosk.wait("rate")
    kiosk.act("level", index="0")
    kiosk.wait("rate.thanks")
    journal = kiosk.runtime.journal
    assert journal.counts()["pending"] == 2

    kiosk.controller.end_visit("finished")  # ends the person session on the platform
    ended = lambda: _platform(server, "SELECT COUNT(*) FROM person_sessions WHERE ended_at IS NOT NULL")[0][0]  # noqa: E731
    assert kiosk.loop.run_until(lambda: ended() == 1, 10), "the visit did not end the person session"

    clock.offset += 2 * HOUR  # the platform comes back two hours later
    proxy.fault = "ok"
    kiosk.runtime.sender.kick()
    assert kiosk.loop.run_until(lambda: journal.depth() == 0, 30), f"not delivered: {journal.counts()}"
    assert journal.counts()["rejected"] == 0
    assert _platform(server, "SELECT COUNT(*) FROM cases WHERE idempotency_key = ?", key)[0][0] == 1
    assert _platform(server, "SELECT COUNT(*) FROM ratings WHERE person_id IS NOT NULL")[0][0] == 1


@pytest.mark.parametrize(("delay_s", "status"), [(5 * 60, "queued"), (2 * HOUR, "missed")])
def test_a_help_call_queued_offline_summons_staff_only_while_it_is_fresh(offline, delay_s: float, status: str) -> None:
    """Staff are sent for a call delivered minutes late; one delivered hours late is recorded
    as missed (the hall's report shows it) instead of sending someone to an empty kiosk."""
    kiosk, proxy, server, clock = offline
    proxy.fault, proxy.only = "reset", ("/v1/help-calls",)
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("help")
    journal = kiosk.runtime.journal
    assert kiosk.loop.run_until(lambda: journal.counts()["pending"] == 1, 15), "the help call was not journaled"
    # the journal is written in the worker a moment before the answer reaches the UI thread
    assert kiosk.loop.run_until(lambda: "已记录您的求助" in kiosk.controller.help.status, 5)
    # the citizen waits at the kiosk (leaving would cancel the call: test_help.py)

    clock.offset += delay_s
    proxy.fault = "ok"
    kiosk.runtime.sender.kick()
    assert kiosk.loop.run_until(lambda: journal.depth() == 0, 30), f"not delivered: {journal.counts()}"
    assert _platform(server, "SELECT status, screen FROM help_calls") == [(status, "home")]
