"""Visit summaries from real visits: a paid fee with its printed receipt, and a queue journey left
before a ticket was taken, reach the reference platform through the journal and the outbox, with
nothing in them about the citizen."""

from __future__ import annotations

import sqlite3
import time

import pytest

from kiosk.journeys import pay, pay_watch
from kiosk.journeys.queue import QueueJourney
from kiosk.platform.contract.summaries import VisitSummary

from .harness import Kiosk
from .test_pay import WECHAT, open_pay
from .test_queue import QUEUE_SERVICE, start


@pytest.fixture(autouse=True)
def fast_watcher(monkeypatch):
    monkeypatch.setattr(pay_watch, "TICK_S", 0.1)
    monkeypatch.setattr(pay_watch, "POLL_S", 0.2)
    monkeypatch.setattr(pay, "CHECK_GRACE_S", 0.5)


def _received(kiosk: Kiosk, count: int, timeout: float = 20.0) -> list[dict]:
    """The summaries the platform stored for this kiosk, with their journey uses, once ``count`` arrived."""
    deadline = time.monotonic() + timeout
    while True:
        kiosk.runtime.sender.kick()
        with sqlite3.connect(kiosk.runtime.server.db_path) as db:
            db.row_factory = sqlite3.Row
            visits = [dict(r) for r in db.execute("SELECT * FROM visit_summaries WHERE kiosk_id = ?"
                                                  " ORDER BY started_at", (kiosk.runtime.cfg.kiosk.id,))]
            for v in visits:
                v["uses"] = [dict(u) for u in db.execute("SELECT * FROM visit_service_uses WHERE kiosk_id = ?"
                                                         " AND visit_id = ? ORDER BY seq",
                                                         (v["kiosk_id"], v["visit_id"]))]
        if len(visits) >= count or time.monotonic() > deadline:
            return visits
        time.sleep(0.2)


def test_a_paid_visit_is_summarised(kiosk: Kiosk) -> None:
    summaries: list[VisitSummary] = []
    end = kiosk.controller.summary.end
    kiosk.controller.summary.end = lambda *a: summaries.append(end(*a)) or summaries[-1]
    open_pay(kiosk)
    kiosk.press("出示付款码支付")
    kiosk.wait("pay.scan")
    kiosk.runtime.devices.emulators.scanner.scan(WECHAT)
    kiosk.wait("pay.result")
    printer = kiosk.runtime.devices.emulators.printer
    pages = len(printer.pages)
    kiosk.press("print")
    kiosk.settle()
    printer.wait_pages(pages + 1)
    kiosk.press("done")
    assert kiosk.screen == "rate"
    kiosk.controller.end_visit("citizen ended the visit")
    [visit] = _received(kiosk, 1)
    assert (visit["payments"], visit["payments_fen"], visit["pages_thermal"]) == (1, 38000, 1)
    assert visit["outcome"] == "ended_by_citizen" and visit["queue_tickets"] == 0
    uses = {u["journey"]: u for u in visit["uses"]}
    assert uses["identify"]["completed"] == 1
    assert uses["pay"]["completed"] == 1 and uses["pay"]["service_code"]
    # A paid scan on the emulated scanner takes a fraction of a second: the duration may round to 0.0.
    assert uses["pay"]["last_step"].startswith("pay.") and uses["pay"]["duration_s"] >= 0
    sent = summaries[0].model_dump_json()
    for personal in ("P001", WECHAT, WECHAT[-4:]):  # the card's person, the payment code
        assert personal not in sent


def test_a_visit_left_half_way_counts_as_abandoned(kiosk: Kiosk) -> None:
    start(kiosk)
    service = kiosk.runtime.client.catalog().catalog.service(QUEUE_SERVICE)
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    kiosk.controller.end_visit("timeout")
    start(kiosk)
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    kiosk.press("take")
    kiosk.wait("queue.ticket")
    kiosk.controller.end_visit("timeout")
    left, took = _received(kiosk, 2)
    [queue] = left["uses"]
    assert (queue["journey"], queue["completed"], queue["service_code"]) == ("queue", 0, QUEUE_SERVICE)
    assert queue["abandoned_at"] == queue["last_step"] and left["outcome"] == "timeout"
    assert took["queue_tickets"] == 1 and took["pages_thermal"] == 1 and took["uses"][0]["completed"] == 1
