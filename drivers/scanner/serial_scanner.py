"""Serial (USB-CDC / RS-232) line-mode scanner: pyserial on its own reader thread.

The thread owns the port: it reads whatever has arrived, lets ``LineDecoder`` cut it
into codes and publishes each as ``CodeScanned``; what a code means is the kiosk's
business. A vanished port (USB pulled, pty closed) means ``offline`` and a reconnect
loop with ``Backoff``; nothing raises to the caller. Dropped garbage is logged as a
count only.
"""

from __future__ import annotations

import logging
import threading
import time

import serial

from drivers.base import Backoff, DeviceState, Publish
from drivers.reader import ReaderThread
from drivers.scanner.events import CodeScanned
from drivers.scanner.framing import Code, Framing, Item, LineDecoder, decode_text

log = logging.getLogger(__name__)

POLL = 0.02
"""Read timeout: how often the thread checks for stop and for an idle gap."""


class SerialScanner(ReaderThread[serial.Serial]):
    """``SerialScanner("scanner", "/dev/kiosk/scanner", publish).start()`` ... ``.stop()``."""

    THREAD = "scanner"
    OPEN_ERRORS = (OSError, serial.SerialException, ValueError)
    LOST_ERRORS = (OSError, serial.SerialException)

    def __init__(self, device: str, port: str, publish: Publish, *, baud: int = 9600,
                 framing: Framing | str = Framing.AUTO, idle_gap: float = 0.06,
                 backoff: Backoff | None = None) -> None:
        super().__init__(device, publish, backoff or Backoff(first=0.1, ceiling=2.0))
        self.port, self.baud = port, baud
        self.framing = Framing(framing)
        self.idle_gap = idle_gap
        self.dropped_bytes = 0

    def _open(self) -> serial.Serial:
        return serial.Serial(self.port, self.baud, timeout=POLL)

    def _close(self, ser: serial.Serial) -> None:
        try:
            ser.close()
        except (OSError, serial.SerialException):
            log.debug("close failed", exc_info=True)

    def _serve(self, ser: serial.Serial) -> None:
        self._backoff.reset()
        self.status.set(DeviceState.ONLINE)
        decoder = LineDecoder(self.framing, idle_gap=self.idle_gap)
        while not self._stop.is_set():
            chunk = ser.read(max(1, ser.in_waiting))
            now = time.monotonic()
            self._emit(decoder.feed(chunk, now) if chunk else decoder.poll(now))

    def _emit(self, items: list[Item]) -> None:
        for item in items:
            if isinstance(item, Code):
                event = CodeScanned(self.device, decode_text(item.data), "serial")
                log.info("scanner %s: code %s", self.device, event.masked_text)
                self._publish(event)
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
