"""Stopping the runtime: work in flight is finished, or recorded when it cannot be."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from drivers.printer.document import Document
from kiosk.config import demo_config
from kiosk.runtime import INTERRUPTED_FILE, HeadlessLoop, Runtime
from kiosk.services.printing import print_slip


@pytest.fixture
def runtime(tmp_path: Path):
    loop = HeadlessLoop()
    rt = Runtime(demo_config(tmp_path / "state"), loop.post, work_dir=tmp_path / "state").start()
    yield rt
    rt.stop(drain_s=0)


def slip() -> Document:
    return Document.build("receipt", "回执", [("事项", "测试"), ("编号", "T-1")], qr="T-1", footer="请妥善保管")


def test_a_print_job_in_flight_is_finished_before_the_stop(runtime: Runtime) -> None:
    printer = runtime.devices.emulators.printer
    outcomes = []
    runtime.submit(lambda: print_slip(runtime.devices.printer, slip()), outcomes.append, outcomes.append)
    runtime.stop()
    assert len(printer.pages) == 1  # the slip came out whole before the port closed
    assert not (runtime.state_dir / INTERRUPTED_FILE).exists()


def test_work_that_outlasts_the_drain_is_recorded_and_reported_at_the_next_start(runtime: Runtime,
                                                                                  caplog) -> None:
    release = threading.Event()
    runtime.submit(lambda: release.wait(10), lambda _r: None, lambda _e: None)
    began = time.monotonic()
    runtime.stop(drain_s=0.3)
    took = time.monotonic() - began
    release.set()
    record = json.loads((runtime.state_dir / INTERRUPTED_FILE).read_text())
    assert record["unfinished"] == 1 and record["printing"] is False
    assert took < 5  # the drain gave up; the worker did not hold the stop

    again = Runtime(runtime.cfg, HeadlessLoop().post, work_dir=runtime.state_dir)
    caplog.set_level("WARNING")
    again.start()
    try:
        assert any("interrupted 1 task(s)" in r.getMessage() for r in caplog.records)
        assert not (runtime.state_dir / INTERRUPTED_FILE).exists()  # reported once
    finally:
        again.stop(drain_s=0)


def test_a_window_waits_for_neither_the_devices_nor_the_demo_platform(tmp_path: Path) -> None:
    """``kiosk run``'s order: start, first frame, then the devices; a demo platform boots meanwhile."""
    rt = Runtime(demo_config(tmp_path / "state"), HeadlessLoop().post, work_dir=tmp_path / "state")
    rt.start(devices_later=True)
    try:
        assert rt.devices_deferred and rt.devices.printer is None  # nothing opened before the first frame
        assert rt.server is not None and rt.client.transport.base_url == rt.server.url  # known before it answers
        called = threading.Event()
        rt.on_platform_ready(called.set)
        rt.start_devices().join(60)
        assert rt.devices.printer is not None and not rt.devices_deferred
        assert called.wait(60) and rt.platform_ready.is_set() and not rt.platform_failed
    finally:
        rt.stop(drain_s=0)
