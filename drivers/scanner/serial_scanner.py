"""Serial (USB-CDC / RS-232) line-mode scanner: pyserial on its own reader thread.

The thread owns the port: it reads whatever has arrived, lets ``LineDecoder`` cut it
into codes, classifies each one and publishes ``CodeScanned``. A vanished port (USB
pulled, pty closed) means ``offline`` and a reconnect loop with ``Backoff``; nothing
raises to the caller. Dropped garbage is logged as a count only.
"""

from __future__ import annotations

import logging
import threading
import time

import serial

from drivers.base import Backoff, DeviceState, Publish, StatusTracker
from drivers.scanner.classify import classify, masked
from drivers.scanner.events import CodeScanned
from drivers.scanner.framing import Code, Framing, Item, LineDecoder, decode_text

log = logging.getLogger(__name__)

POLL = 0.02
"""Read timeout: how often the thread checks for stop and for an idle gap."""


class SerialScanner:
    """``SerialScanner("scanner", "/dev/kiosk/scanner", publish).start()`` ... ``.stop()``."""

    def __init__(self, device: str, port: str, publish: Publish, *, baud: int = 9600,
                 framing: Framing | str = Framing.AUTO, idle_gap: float = 0.06,
                 backoff: Backoff | None = None) -> None:
        self.device, self.port, self.baud = device, port, baud
        self.framing = Framing(framing)
        self.idle_gap = idle_gap
        self._publish = publish
        self.status = StatusTracker(device, publish)
        self._backoff = backoff or Backoff(first=0.1, ceiling=2.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped_bytes = 0

    def start(self) -> SerialScanner:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.device}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        self.status.set(DeviceState.OFFLINE, detail="stopped")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ser = serial.Serial(self.port, self.baud, timeout=POLL)
            except (OSError, serial.SerialException, ValueError) as exc:
                self.status.set(DeviceState.OFFLINE, detail="port missing")
                log.debug("open %s failed: %s", self.port, exc)
                self._stop.wait(self._backoff.next_delay())
                continue
            self._backoff.reset()
            self.status.set(DeviceState.ONLINE)
            try:
                self._serve(ser)
            except (OSError, serial.SerialException) as exc:
                log.info("scanner %s lost: %s", self.device, exc)
                self.status.set(DeviceState.OFFLINE, detail="port lost")
                self._stop.wait(self._backoff.next_delay())
            finally:
                try:
                    ser.close()
                except (OSError, serial.SerialException):
                    log.debug("close failed", exc_info=True)

    def _serve(self, ser: serial.Serial) -> None:
        decoder = LineDecoder(self.framing, idle_gap=self.idle_gap)
        while not self._stop.is_set():
            chunk = ser.read(max(1, ser.in_waiting))
            now = time.monotonic()
            self._emit(decoder.feed(chunk, now) if chunk else decoder.poll(now))

    def _emit(self, items: list[Item]) -> None:
        for item in items:
            if isinstance(item, Code):
                text = decode_text(item.data)
                kind = classify(text)
                log.info("scanner %s: %s code %s", self.device, kind.value, masked(text, kind))
                self._publish(CodeScanned(self.device, text, kind, "serial"))
            else:
                self.dropped_bytes += item.nbytes
                log.warning("scanner %s: dropped %d bytes (%s)", self.device, item.nbytes, item.reason.value)


def scan_once(port: str, timeout: float, *, baud: int = 9600,
              framing: Framing | str = Framing.AUTO) -> CodeScanned | None:
    """Open ``port``, wait up to ``timeout`` s for one code (the doctor). Raises OSError/SerialException."""
    found: list[CodeScanned] = []
    got = threading.Event()

    def publish(event: object) -> None:
        if isinstance(event, CodeScanned) and not found:
            found.append(event)
            got.set()

    ser = serial.Serial(port, baud, timeout=POLL)
    try:
        scanner = SerialScanner("scanner", port, publish, baud=baud, framing=framing)
        decoder = LineDecoder(scanner.framing, idle_gap=scanner.idle_gap)
        deadline = time.monotonic() + timeout
        while not got.is_set() and time.monotonic() < deadline:
            chunk = ser.read(max(1, ser.in_waiting))
            now = time.monotonic()
            scanner._emit(decoder.feed(chunk, now) if chunk else decoder.poll(now))
    finally:
        ser.close()
    return found[0] if found else None
