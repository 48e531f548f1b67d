"""A visit-level rating (结束办理 without a service) reaches the platform; an item the platform
refuses for good is never set aside silently: an ALERT log line, the set-aside callback, the
``kiosk_journal_set_aside`` metric and ``kiosk doctor journal`` all show it."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from kiosk.config import DEMO_SECRET
from kiosk.devices.board import DeviceBoard
from kiosk.ops.metrics import KioskMetrics
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.feedback import RatingLevel, RatingRequest
from kiosk.platform.transport import RetryPolicy
from kiosk.services.journal import Journal, read_set_aside
from kiosk.services.outbox import OutboxSender, send_item
from reference_platform.server import ServerHandle, serve_in_thread

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    with serve_in_thread(tmp_path_factory.mktemp("platform") / "p.db", always_open=True) as handle:
        yield handle


def _sender(platform: ServerHandle, journal: Journal, seen: list) -> OutboxSender:
    client = PlatformClient(platform.url, "demo-kiosk-001", DEMO_SECRET, retry=RetryPolicy(attempts=1))
    return OutboxSender(journal, lambda item: send_item(client, item),
                        on_set_aside=lambda item, why: seen.append((item.kind, why)))


def test_a_visit_level_bad_rating_reaches_the_platform(platform, tmp_path) -> None:
    journal, seen = Journal(tmp_path / "journal"), []
    rating = RatingRequest(level=RatingLevel.VERY_DISSATISFIED, reasons=["slow"], contact="13812341234")
    assert rating.service_code is None
    key = journal.enqueue("rating", rating.model_dump(mode="json"))
    assert _sender(platform, journal, seen).drain_once() == 1
    assert seen == [] and journal.state(key) == "delivered" and journal.set_aside_count() == 0
    with sqlite3.connect(platform.db_path) as db:
        row = db.execute("SELECT service_code, level, follow_up FROM ratings WHERE rating_id = ?",
                         (journal.reference(key),)).fetchone()
    assert row == ("", "very_dissatisfied", 1)
    journal.close()


def test_a_rating_journaled_by_an_older_kiosk_as_kiosk_is_taken_too(platform, tmp_path) -> None:
    journal, seen = Journal(tmp_path / "journal"), []
    key = journal.enqueue("rating", {"service_code": "kiosk", "level": "satisfied"})
    assert _sender(platform, journal, seen).drain_once() == 1 and journal.state(key) == "delivered"
    journal.close()


def test_an_item_set_aside_for_good_raises_an_alert_a_metric_and_shows_in_doctor(platform, tmp_path, caplog) -> None:
    state = tmp_path / "state"
    journal, seen = Journal(state / "journal"), []
    metrics = KioskMetrics("test", "demo-kiosk-001", DeviceBoard())
    metrics.journal_set_aside.set_function(journal.set_aside_count)
    key = journal.enqueue("rating", {"service_code": "440100-NO-SUCH", "level": "satisfied"})
    with caplog.at_level(logging.CRITICAL, logger="kiosk.services.outbox"):
        assert _sender(platform, journal, seen).drain_once() == 0
    assert seen and seen[0][0] == "rating" and "not_found" in seen[0][1]
    assert any(r.levelno == logging.CRITICAL and "ALERT" in r.getMessage() for r in caplog.records)
    assert journal.state(key) == "rejected" and journal.set_aside_count() == 1
    assert b"kiosk_journal_set_aside 1.0" in generate_latest(metrics.registry)
    listed = read_set_aside(state / "journal")
    assert [(i["kind"], i["idempotency_key"], i["state"]) for i in listed] == [("rating", key, "rejected")]
    doctor = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "journal", "--state-dir", str(state), "--json"],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert doctor.returncode == 1, doctor.stderr
    assert json.loads(doctor.stdout)["set_aside"][0]["idempotency_key"] == key
    journal.close()
    clean = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "journal", "--state-dir", str(tmp_path / "none")],
                           capture_output=True, text=True, timeout=60, cwd=REPO)
    assert clean.returncode == 0 and "no journal" in clean.stdout

