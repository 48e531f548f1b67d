"""Each series is set by the code path it describes: a heartbeat that got through, a visit that
ended, an ERROR record, the settler's pause, the journal's oldest item, the board's paper."""

from __future__ import annotations

import logging
import shutil
import socket
import time
from pathlib import Path

import pytest
import requests

from drivers.base import DeviceState, DeviceStatusChanged, MediaStatus
from kiosk.bus import EventBus, PaymentsPaused, PlatformReachability, VisitEnded
from kiosk.devices.board import DeviceBoard
from kiosk.ops.heartbeat import HeartbeatLoop
from kiosk.ops.image import ImageState
from kiosk.ops.metrics import KioskMetrics, component
from kiosk.services.journal import Journal


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def value(m: KioskMetrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def test_metrics_endpoint_reports_paper_out():
    board = DeviceBoard()
    m = KioskMetrics("0.1.0", "k1", board)
    assert value(m, "kiosk_device_state", device="printer", state="online") == 0
    assert value(m, "kiosk_device_media", device="printer", media="out") is None
    assert value(m, "kiosk_paper_state", state="unknown") == 1
    board.handle(DeviceStatusChanged("printer", DeviceState.USER_ERROR, MediaStatus.OUT))
    port = _free_port()
    m.serve("127.0.0.1", port)
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert 'kiosk_device_state{device="printer",state="user_error"} 1.0' in text
    assert 'kiosk_device_state{device="printer",state="online"} 0.0' in text
    assert 'kiosk_device_media{device="printer",media="out"} 1.0' in text
    assert 'kiosk_paper_state{state="out"} 1.0' in text and 'kiosk_paper_state{state="unknown"} 0.0' in text
    assert 'kiosk_info{kiosk_id="k1",version="0.1.0"} 1.0' in text


def test_the_exporter_binds_the_configured_address_only():
    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    port = _free_port("127.0.0.2")
    m.serve("127.0.0.2", port)
    assert requests.get(f"http://127.0.0.2:{port}/metrics", timeout=5).ok
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)


def test_platform_reachable_and_last_sync_follow_the_heartbeat():
    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    assert value(m, "kiosk_platform_reachable") == 0 and value(m, "kiosk_last_sync_timestamp_seconds") == 0
    answers: list[Exception | None] = [None, ConnectionError("down")]

    def send(_beat):
        answer = answers.pop(0)
        if answer is not None:
            raise answer

    loop = HeartbeatLoop(send, DeviceBoard(), lambda: 0, on_result=m.platform_call)
    before = time.time()
    assert loop.beat()
    assert value(m, "kiosk_platform_reachable") == 1
    synced = value(m, "kiosk_last_sync_timestamp_seconds")
    assert synced >= before
    assert not loop.beat()
    assert value(m, "kiosk_platform_reachable") == 0
    assert value(m, "kiosk_last_sync_timestamp_seconds") == synced  # a failure is not a sync


def test_events_on_the_bus_set_visits_pause_and_reachability():
    bus = EventBus()
    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    m.attach(bus)
    try:
        assert value(m, "kiosk_visits_total", outcome="timeout") == 0
        bus.publish(VisitEnded("timeout"))
        bus.publish(VisitEnded("goodbye confirmed"))
        bus.publish(VisitEnded("goodbye confirmed"))
        bus.publish(PaymentsPaused(True))
        bus.publish(PlatformReachability(True))
        assert value(m, "kiosk_visits_total", outcome="timeout") == 1
        assert value(m, "kiosk_visits_total", outcome="completed") == 2
        assert value(m, "kiosk_payments_paused") == 1
        assert value(m, "kiosk_platform_reachable") == 1
        assert value(m, "kiosk_last_sync_timestamp_seconds") == 0  # a poll that answered sent nothing of ours
        bus.publish(PaymentsPaused(False))
        assert value(m, "kiosk_payments_paused") == 0
    finally:
        bus.close()


def test_error_records_are_counted_by_component():
    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    logger = logging.getLogger("kiosk.test_metrics_root")
    logger.propagate = False
    m.count_errors(logger)
    try:
        child = logging.getLogger("kiosk.test_metrics_root.outbox")
        child.propagate = True
        child.error("send failed")
        child.warning("only a warning")
        logger.critical("worse")
    finally:
        m.close(logger)
        logger.propagate = True
    assert value(m, "kiosk_errors_total", component="test_metrics_root.outbox") == 1
    assert value(m, "kiosk_errors_total", component="test_metrics_root") == 1
    assert component("kiosk.services.outbox") == "services.outbox"
    assert component("drivers.printer.thermal") == "drivers.printer"


def test_oldest_unsent_item_and_free_disk(tmp_path: Path):
    journal = Journal(tmp_path / "journal")
    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    m.watch_journal(journal.depth, journal.unreadable, journal.oldest_pending_at)
    m.watch_disk(tmp_path / "not-yet")
    try:
        assert value(m, "kiosk_oldest_unsent_age_seconds") == 0
        journal.enqueue("rating", {"stars": 5})
        time.sleep(0.3)
        assert value(m, "kiosk_oldest_unsent_age_seconds") >= 0.3
        [item] = journal.due()
        journal.acknowledge(item.id, "R-1")
        assert value(m, "kiosk_oldest_unsent_age_seconds") == 0
        free = value(m, "kiosk_free_disk_bytes")
        assert abs(free - shutil.disk_usage(tmp_path).free) < 50 * 1024 * 1024
    finally:
        journal.close()


def test_image_version_slot_and_rollback_are_exported():
    m = KioskMetrics("0.1.0", "k1", DeviceBoard(), ImageState("1.2", "kiosk_1.2.efi", True, "1.3"))
    assert value(m, "kiosk_image_info", version="1.2", slot="kiosk_1.2.efi") == 1
    assert value(m, "kiosk_image_rolled_back") == 1


def test_longest_ui_frame_is_published_per_period():
    """The app's frame meter feeds ``kiosk_longest_frame_ms`` and starts each period afresh."""
    from kiosk.app import FrameMeter

    m = KioskMetrics("0.1.0", "k1", DeviceBoard())
    meter = FrameMeter()
    for _ in range(4):
        meter.tick()  # the first frames (window creation) are not counted
    time.sleep(0.08)  # one frame that took 80 ms
    meter.tick()
    meter.tick()
    meter.publish(m.frame_ms)
    assert value(m, "kiosk_longest_frame_ms") >= 80
    meter.tick()
    meter.publish(m.frame_ms)
    assert value(m, "kiosk_longest_frame_ms") < 80
