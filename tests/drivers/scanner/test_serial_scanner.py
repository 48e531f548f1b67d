"""The serial scanner driver against the pty emulator: codes, framings, garbage, unplug/replug."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from drivers.base import Backoff, DeviceState, DeviceStatusChanged, Event
from drivers.scanner.emulator import ScannerEmulator
from drivers.scanner.events import CodeScanned
from drivers.scanner.serial_scanner import SerialScanner, scan_once


class Bus:
    def __init__(self) -> None:
        self.q: queue.Queue[Event] = queue.Queue()

    def __call__(self, event: Event) -> None:
        self.q.put(event)

    def next(self, kind: type, timeout: float = 5.0, **match: object) -> Event:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.q.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(ev, kind) and all(getattr(ev, k) == v for k, v in match.items()):
                return ev
        raise AssertionError(f"no {kind.__name__} {match} within {timeout} s")


@pytest.fixture
def emu():
    e = ScannerEmulator(framing="cr").start()
    yield e
    e.stop()


@pytest.mark.parametrize("framing", ["cr", "lf", "crlf", "stx_etx", "idle_gap"])
def test_codes_in_every_framing_reach_the_bus_in_auto_mode(framing: str) -> None:
    emu = ScannerEmulator(framing=framing).start()
    bus = Bus()
    scanner = SerialScanner("scanner", emu.port, bus, framing="auto", idle_gap=0.05).start()
    try:
        bus.next(DeviceStatusChanged, state=DeviceState.ONLINE)
        emu.scan("134567890123456789")
        ev = bus.next(CodeScanned)
        assert (ev.text, ev.source) == ("134567890123456789", "serial")
        assert "134567890123456789" not in repr(ev)
        time.sleep(0.1)
        emu.scan("365021")
        assert bus.next(CodeScanned).text == "365021"
    finally:
        scanner.stop()
        emu.stop()


def test_garbage_and_partial_lines_do_not_stop_valid_codes(emu: ScannerEmulator) -> None:
    bus = Bus()
    scanner = SerialScanner("scanner", emu.port, bus, framing="cr").start()
    try:
        bus.next(DeviceStatusChanged, state=DeviceState.ONLINE)
        emu.inject_garbage(5000, seed=7)
        emu.scan("GZZW-APP-7d3f9a61c2e84b0f")
        assert bus.next(CodeScanned, text="GZZW-APP-7d3f9a61c2e84b0f").source == "serial"
        emu.send_partial("28763443825664394")
        time.sleep(1.2)
        emu.scan("28763443825664394")
        assert bus.next(CodeScanned).text == "28763443825664394"
        assert scanner.dropped_bytes > 0
    finally:
        scanner.stop()


def test_unplug_goes_offline_and_replug_reconnects(emu: ScannerEmulator) -> None:
    bus = Bus()
    scanner = SerialScanner("scanner", emu.port, bus, backoff=Backoff(0.05, 2, 0.2)).start()
    try:
        bus.next(DeviceStatusChanged, state=DeviceState.ONLINE)
        emu.unplug()
        bus.next(DeviceStatusChanged, state=DeviceState.OFFLINE)
        emu.replug()
        bus.next(DeviceStatusChanged, state=DeviceState.ONLINE)
        emu.scan("https://example.gov.cn/v/1")
        assert bus.next(CodeScanned).text == "https://example.gov.cn/v/1"
    finally:
        scanner.stop()


def test_missing_port_is_offline_not_a_crash(tmp_path) -> None:
    bus = Bus()
    scanner = SerialScanner("scanner", str(tmp_path / "nothing"), bus).start()
    try:
        ev = bus.next(DeviceStatusChanged, state=DeviceState.OFFLINE)
        assert ev.detail == "port missing"
    finally:
        scanner.stop()


def test_scan_once_times_out_and_reads(emu: ScannerEmulator) -> None:
    assert scan_once(emu.port, 0.2) is None
    # opening a port flushes its input (pyserial), so scan once the reader is listening
    timer = threading.Timer(0.3, emu.scan, args=("365021",))
    timer.start()
    ev = scan_once(emu.port, 3.0)
    timer.join()
    assert ev is not None and ev.text == "365021"
