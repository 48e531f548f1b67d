"""Fleet health reports the emulated devices' real states: paper out on the emulator is paper out
in the heartbeat the platform stores and on the Prometheus endpoint."""

from __future__ import annotations

import json
import socket
import sqlite3

import requests

from tests.kiosk.journeys.harness import Kiosk
from tests.waiting import eventually


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_paper_out_reaches_heartbeat_and_metrics(tmp_path) -> None:
    port = _free_port()
    k = Kiosk(tmp_path, metrics={"enabled": True, "port": port, "heartbeat_s": 3600})
    try:
        rt = k.runtime
        assert eventually(lambda: rt.heartbeat.sent >= 1), "no heartbeat at start"
        rt.devices.emulators.printer.set_status("out")
        assert eventually(lambda: rt.board.media("printer") == "out"), "printer poll did not see paper out"
        assert rt.heartbeat.beat()
        with sqlite3.connect(rt.server.db_path) as db:
            (stored,) = db.execute("SELECT last_heartbeat_json FROM kiosks WHERE kiosk_id = ?",
                                   (rt.cfg.kiosk.id,)).fetchone()
        beat = json.loads(stored)
        printer = next(d for d in beat["devices"] if d["name"] == "printer")
        assert printer["state"] == "user_error" and printer["media"] == "out"
        assert beat["paper_level"] == "out" and "printer" in beat["last_error"]
        assert {d["name"] for d in beat["devices"]} >= {"idreader", "scanner", "printer", "camera"}
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'kiosk_device_media{device="printer",media="out"} 1.0' in text
        assert 'kiosk_device_state{device="printer",state="user_error"} 1.0' in text
        assert "kiosk_journal_depth 0.0" in text
        assert "kiosk_journal_unreadable 0.0" in text
        assert "kiosk_platform_reachable 1.0" in text  # heartbeats answered 200
        assert "kiosk_last_sync_timestamp_seconds 0.0" not in text
    finally:
        k.close()


def test_a_running_kiosk_counts_its_visits_and_pause(tmp_path) -> None:
    """The controller and the settler of a real runtime reach the scrape endpoint."""
    port = _free_port()
    k = Kiosk(tmp_path, metrics={"enabled": True, "port": port, "heartbeat_s": 3600})
    try:
        k.controller.start_visit()
        k.controller.end_visit("timeout")
        k.controller.orders.blocked = True
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'kiosk_visits_total{outcome="timeout"} 1.0' in text
        assert "kiosk_payments_paused 1.0" in text
        assert "kiosk_free_disk_bytes" in text and "kiosk_oldest_unsent_age_seconds 0.0" in text
    finally:
        k.close()


def test_the_heartbeat_reports_the_image_and_the_platform_keeps_the_history(tmp_path) -> None:
    from kiosk.ops.image import ImageState

    k = Kiosk(tmp_path, metrics={"enabled": False, "heartbeat_s": 3600})
    try:
        rt = k.runtime
        assert eventually(lambda: rt.heartbeat.sent >= 1), "no heartbeat at start"
        rt.heartbeat.image = ImageState("1.2", "kiosk_1.2.efi", True, "1.3")
        assert rt.heartbeat.beat()
        history = rt.client.heartbeats(limit=5).heartbeats
        assert len(history) >= 2
        newest = history[0].heartbeat
        assert (newest.image_version, newest.boot_slot, newest.rolled_back) == ("1.2", "kiosk_1.2.efi", True)
        assert history[1].heartbeat.rolled_back is False
    finally:
        k.close()
