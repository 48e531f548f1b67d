"""The idempotency record commits with the effect (reference_platform.security): a failure
before the commit leaves neither, a failure after it replays the stored answer."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator

import pytest

from kiosk.platform.contract import paths
from reference_platform.db import Database
from reference_platform.routes import payments
from reference_platform.security import LEGACY_LEASE_S
from reference_platform.server import ServerHandle, serve_in_thread

from .helpers import Signed

ORDER = {"service_code": "440100-YBJ-0201", "items": [{"ref": "fee:0", "amount_fen": 38000}]}


@pytest.fixture
def platform(tmp_path) -> Iterator[ServerHandle]:
    with serve_in_thread(tmp_path / "p.db", always_open=True) as handle:
        yield handle


def _rows(platform: ServerHandle, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    db = Database(platform.db_path)
    try:
        return db.all(sql, params)
    finally:
        db.close()


def test_a_failure_before_the_commit_leaves_no_effect_and_no_record(platform, monkeypatch) -> None:
    api = Signed(platform.url)
    order_id = api.post(paths.ORDERS, ORDER).json()["order_id"]
    real = payments.to_order
    failures = iter([True])

    def fails_once(*args, **kw):
        if next(failures, False):
            raise RuntimeError("the answer could not be built")
        return real(*args, **kw)

    monkeypatch.setattr(payments, "to_order", fails_once)
    pay = paths.fill(paths.ORDER_PAY, order_id=order_id)
    first = api.post(pay, {"payment_code": "134567890123450001"}, key="pay-after-crash")
    assert first.status_code == 500
    assert _rows(platform, "SELECT * FROM charges WHERE order_id = ?", (order_id,)) == []
    assert _rows(platform, "SELECT * FROM idempotency WHERE key = 'pay-after-crash'") == []
    assert _rows(platform, "SELECT status FROM orders WHERE order_id = ?", (order_id,))[0]["status"] == "created"
    again = api.post(pay, {"payment_code": "134567890123450001"}, key="pay-after-crash")
    assert again.status_code == 200 and again.json()["status"] == "paid"
    assert "Idempotent-Replayed" not in again.headers
    assert len(_rows(platform, "SELECT * FROM charges WHERE order_id = ?", (order_id,))) == 1


def test_a_failure_after_the_commit_replays_the_stored_answer(platform, monkeypatch) -> None:
    api = Signed(platform.url)
    order_id = api.post(paths.ORDERS, ORDER).json()["order_id"]
    real = Database.end_request
    failures = iter([True])

    def commits_then_fails(conn, *, commit):
        real(conn, commit=commit)
        if commit and next(failures, False):
            raise OSError("the connection broke after the commit")

    monkeypatch.setattr(Database, "end_request", staticmethod(commits_then_fails))
    pay = paths.fill(paths.ORDER_PAY, order_id=order_id)
    lost = api.post(pay, {"payment_code": "134567890123450002"}, key="pay-lost-answer")
    assert lost.status_code == 500
    stored = _rows(platform, "SELECT status FROM idempotency WHERE key = 'pay-lost-answer'")
    assert [r["status"] for r in stored] == [200]
    again = api.post(pay, {"payment_code": "134567890123450002"}, key="pay-lost-answer")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["status"] == "paid"
    assert len(_rows(platform, "SELECT * FROM charges WHERE order_id = ?", (order_id,))) == 1


def test_the_query_string_is_part_of_the_request(platform) -> None:
    api = Signed(platform.url)
    body = {"reason": "question", "screen": "home"}
    first = api.post(paths.HELP_CALLS, body, key="help-q", params={"a": "1"})
    assert first.status_code == 201
    other = api.post(paths.HELP_CALLS, body, key="help-q", params={"a": "2"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"


def test_an_unfinished_record_from_an_older_version_holds_its_key_for_a_lease_only(platform) -> None:
    api = Signed(platform.url)
    body = {"reason": "question", "screen": "home"}
    target = paths.HELP_CALLS
    db = Database(platform.db_path)
    try:
        with db.tx() as c:
            for key, age in (("legacy-fresh", 5.0), ("legacy-stale", LEGACY_LEASE_S + 5)):
                c.execute(
                    "INSERT INTO idempotency (kiosk_id, key, method, path, body_sha256, created_at)"
                    " VALUES (?, ?, 'POST', ?, ?, ?)",
                    (api.kiosk_id, key, target, hashlib.sha256(json.dumps(body).encode()).hexdigest(),
                     time.time() - age),
                )
    finally:
        db.close()
    busy = api.post(target, body, key="legacy-fresh")
    assert busy.status_code == 409 and busy.json()["code"] == "idempotency_in_progress"
    assert api.post(target, body, key="legacy-stale").status_code == 201
    assert api.post(target, body, key="legacy-stale").headers["Idempotent-Replayed"] == "true"


def test_stored_answers_are_forgotten_after_twice_the_submission_grace(tmp_path) -> None:
    clock = [time.time()]
    grace = 3600.0
    with serve_in_thread(tmp_path / "p.db", always_open=True, clock=lambda: clock[0],
                         submission_grace_s=grace) as handle:
        body = {"reason": "question", "screen": "home"}
        assert Signed(handle.url).post(paths.HELP_CALLS, body, key="old-answer", now=clock[0]).status_code == 201
        clock[0] += grace  # inside the window: kept
        assert Signed(handle.url).post(paths.HELP_CALLS, body, key="newer", now=clock[0]).status_code == 201
        assert len(_rows(handle, "SELECT * FROM idempotency WHERE key = 'old-answer'")) == 1
        clock[0] += grace + 120
        assert Signed(handle.url).post(paths.HELP_CALLS, body, key="newest", now=clock[0]).status_code == 201
        assert _rows(handle, "SELECT * FROM idempotency WHERE key = 'old-answer'") == []
        assert len(_rows(handle, "SELECT * FROM idempotency WHERE key IN ('newer', 'newest')")) == 2
