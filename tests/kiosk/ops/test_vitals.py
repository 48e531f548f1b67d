"""The heartbeat's backlog age, payments pause, free disk and last visit come from the code paths they
describe, and reach the platform's record of the kiosk."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

from kiosk.ops.vitals import Vitals
from tests.kiosk.journeys.harness import Kiosk


def _stored(k: Kiosk) -> dict:
    assert k.runtime.heartbeat.beat()
    with sqlite3.connect(k.runtime.server.db_path) as db:
        (stored,) = db.execute("SELECT last_heartbeat_json FROM kiosks WHERE kiosk_id = ?",
                               (k.runtime.cfg.kiosk.id,)).fetchone()
    return json.loads(stored)


def test_vitals_reach_the_platform(tmp_path: Path) -> None:
    k = Kiosk(tmp_path, metrics={"enabled": False, "heartbeat_s": 3600})
    try:
        rt = k.runtime
        quiet = _stored(k)
        assert quiet["unsent_oldest_age_s"] is None and quiet["payments_paused"] is False
        assert quiet["last_visit_at"] is None
        assert 0 < quiet["disk_free_bytes"] <= shutil.disk_usage(tmp_path).total
        rt.sender.stop()  # the platform "away" for the outbox: the item waits
        rt.journal.enqueue("help_call", {"reason": "question", "screen": "home"})
        time.sleep(1.1)
        k.controller.start_visit()
        k.controller.end_visit("timeout")
        k.controller.orders.blocked = True
        busy = _stored(k)
        assert busy["unsent_oldest_age_s"] >= 1.0 and busy["payments_paused"] is True
        assert busy["last_visit_at"] is not None
        k.controller.orders.blocked = False
        assert _stored(k)["payments_paused"] is False
    finally:
        k.close()


def test_the_last_visit_survives_a_restart(tmp_path: Path) -> None:
    first = Vitals(tmp_path, lambda: None, clock=lambda: 1_800_000_000.0)
    assert first.last_visit_at() is None
    first.visit_ended(1_800_000_000.0)
    again = Vitals(tmp_path, lambda: None)
    assert again.last_visit_at() is not None and again.last_visit_at().timestamp() == 1_800_000_000.0
    (tmp_path / "last-visit.json").write_text("{broken")
    assert Vitals(tmp_path, lambda: None).last_visit_at() is None


def test_a_journal_failure_is_reported_as_unknown(tmp_path: Path) -> None:
    def broken() -> float | None:
        raise OSError("disk gone")

    assert Vitals(tmp_path, broken).unsent_oldest_age_s() is None
    assert Vitals(tmp_path / "not" / "yet", lambda: 100.0, clock=lambda: 160.0).unsent_oldest_age_s() == 60.0
