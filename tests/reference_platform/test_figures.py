"""Service figures over HTTP: kiosks send visit summaries, the platform counts each visit once
and reads them back per service, day, step, journey, kiosk and site, and as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import pytest
import requests

from kiosk.platform.contract import paths
from reference_platform.db import Database
from reference_platform.figures import CSV_COLUMNS, figures_csv, service_figures
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE

from .helpers import Signed

DAY = date(2026, 12, 4)
"""10:00-10:20 in Shanghai that day."""


def _summary(**over) -> dict:
    base = {"visit_id": uuid.uuid4().hex, "started_at": "2026-12-04T02:00:00Z", "ended_at": "2026-12-04T02:05:00Z",
            "language": "zh_CN", "elder_mode": False, "outcome": "completed", "services": [],
            "pages_thermal": 0, "pages_a4": 0, "payments": 0, "payments_fen": 0, "queue_tickets": 0}
    return base | over


def _use(code: str | None, journey: str, step: str, completed: bool, duration: float) -> dict:
    return {"service_code": code, "journey": journey, "last_step": step, "completed": completed,
            "abandoned_at": None if completed else step, "duration_s": duration}


@pytest.fixture(scope="module")
def fleet(platform) -> dict[str, Signed]:
    store = Database(platform.db_path)
    try:
        with store.tx() as c:
            c.execute("UPDATE kiosks SET site_name = 'Hall A' WHERE kiosk_id = 'demo-kiosk-001'")
    finally:
        store.close()
    enrolled = requests.post(platform.url + paths.ENROL, json={"enrolment_code": DEMO_ENROLMENT_CODE,
                                                               "site_name": "Bank B"}, timeout=10).json()
    a, b = Signed(platform.url), Signed(platform.url, kiosk_id=enrolled["kiosk_id"], secret=enrolled["secret"].encode())
    pay = "440100-YBJ-0201"
    sent = [
        (a, _summary(visit_id="visit-a-1", services=[_use(pay, "pay", "pay.done", True, 120.0)],
                     payments=1, payments_fen=38000, pages_thermal=1)),
        (a, _summary(services=[_use(pay, "pay", "pay.method", False, 40.0)], outcome="timeout")),
        (a, _summary(started_at="2026-12-04T17:00:00Z", ended_at="2026-12-04T17:01:00Z",  # 01:00 on the 5th
                     services=[_use(None, "queue", "queue.ticket", True, 30.0)], queue_tickets=1)),
        (b, _summary(visit_id="visit-a-1", services=[_use(pay, "pay", "pay.done", True, 80.0)], pages_a4=2,
                     payments=1, payments_fen=1000)),  # the same visit id at another kiosk is another visit
    ]
    for kiosk, summary in sent:
        res = kiosk.post(paths.VISIT_SUMMARIES, summary)
        assert res.status_code == 201 and not res.json()["duplicate"], res.text
    resent = a.post(paths.VISIT_SUMMARIES, sent[0][1])  # a new key, the same visit
    assert resent.status_code == 201 and resent.json()["duplicate"]
    return {"a": a, "b": b}


def test_figures_count_each_visit_once(fleet, platform) -> None:
    store = Database(platform.db_path)
    try:
        fig = service_figures(store, None, DAY, DAY)
        only_a = service_figures(store, [fleet["a"].kiosk_id], DAY, date(2026, 12, 5))
        none = service_figures(store, [], DAY, DAY)
    finally:
        store.close()
    assert fig["totals"]["visits"] == 3 and fig["totals"]["payments_fen"] == 39000
    assert fig["totals"]["pages_a4"] == 2 and fig["totals"]["completed_visits"] == 2
    assert fig["services"] == [{"day": "2026-12-04", "service_code": "440100-YBJ-0201", "uses": 3, "completed": 2,
                                "abandoned": 1, "completion_rate": 0.667, "avg_duration_s": 80.0}]
    steps = {s["step"]: s for s in fig["steps"]}
    assert steps["pay.method"]["abandoned"] == 1 and steps["pay.done"]["completed"] == 2
    assert {s["site_name"]: s["visits"] for s in fig["per_site"]} == {"Hall A": 2, "Bank B": 1}
    assert only_a["totals"]["visits"] == 3 and [d["day"] for d in only_a["days"]] == ["2026-12-04", "2026-12-05"]
    assert {j["journey"]: j["uses"] for j in only_a["journeys"]} == {"pay": 2, "queue": 1}
    assert none["totals"]["visits"] == 0 and none["totals"]["avg_visit_s"] is None


def test_queue_figures_come_from_the_queue_table(fleet, platform) -> None:
    ticket = fleet["b"].post(paths.QUEUE_TICKETS, {"service_code": "440100-JJ-0603"})
    assert ticket.status_code in (200, 201), ticket.text
    store = Database(platform.db_path)
    try:
        today = date.fromisoformat(ticket.json()["issued_at"][:10])
        fig = service_figures(store, [fleet["b"].kiosk_id], today, date(today.year + 1, 1, 1))
    finally:
        store.close()
    assert fig["queue"]["issued"] == 1 and fig["queue"]["served"] == 0 and fig["queue"]["wait_s"] is None


def test_csv_has_kiosk_and_site_rows(fleet, platform) -> None:
    store = Database(platform.db_path)
    try:
        text = figures_csv(store, None, DAY, DAY)
    finally:
        store.close()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    site_days = {r["site_name"]: r["visits"] for r in rows if r["scope"] == "site" and not r["service_code"]}
    assert site_days == {"Hall A": "2", "Bank B": "1"}
    kiosk_pay = [r for r in rows if r["scope"] == "kiosk" and r["service_code"] == "440100-YBJ-0201"]
    assert {(r["kiosk_id"], r["uses"], r["abandoned"]) for r in kiosk_pay} == {
        (fleet["a"].kiosk_id, "2", "1"), (fleet["b"].kiosk_id, "1", "0")}


def test_a_summary_with_personal_data_has_nowhere_to_go(fleet) -> None:
    bad = _summary(services=[_use("440100-YBJ-0201", "pay", "张三 13800138000", False, 1.0)])
    assert fleet["a"].post(paths.VISIT_SUMMARIES, bad).status_code == 422
    assert fleet["a"].post(paths.VISIT_SUMMARIES, _summary(payments_fen="100")).status_code == 422
