"""One connection to a thermal printer: python-escpos opens it, we add timed status reads.

python-escpos 3.1 owns opening Serial / Network / Usb connections and generating
commands, but its ``_read`` has no notion of "nothing came back": a serial read returns
``b""`` after its timeout and ``paper_status()`` then claims paper is fine. ``Link``
therefore drops stale input, sends ``DLE EOT n`` and waits for exactly one byte
with its own deadline, and turns every way a connection dies into ``LinkLost`` so the
driver can reconnect.

Writes are progress-based: a job goes out in chunks of about 0.1 s of wire time, and a
printer that stops taking data (its buffer full and flow control held, a hung firmware, a
full socket) is noticed within ``stall_timeout`` of the last progress, however long the
job, and raises ``LinkStalled``; a slow but moving line never does. Where the OS hides
its buffer (a pty, usblp, a socket) the wire time of that buffer is allowed on top, since
such buffers take bytes back only in bursts: 2.4 s at 115200 baud.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import termios
import time

import serial
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from drivers.printer import realtime as st
from drivers.printer.devnode import PrinterPort, RawNode
from drivers.printer.errors import PrinterError

log = logging.getLogger(__name__)

_IO_ERRORS = (OSError, serial.SerialException, termios.error)
"""How a vanished port shows up: tcdrain on a hung-up pty raises termios.error, not OSError."""

CHUNK_SECONDS = 0.1
"""Wire time of one chunk of a job: a stall is noticed within one chunk of where it began."""
STALL_TIMEOUT = 1.0
"""Seconds without progress before a printer counts as stalled, where progress can be watched
(a UART's output queue); elsewhere the OS buffer's wire time is added (``blind_stall_timeout``)."""
NOMINAL_BAUD = 115200
"""Rate assumed for links with no baud rate (TCP, USB) when sizing chunks and deadlines."""
LINE_BUFFER = 16384
"""Bytes the OS and the interface may still hold once a write returned (a pty holds ~14 KB)."""


def wire_seconds(nbytes: int, baud: int | None) -> float:
    """Time ``nbytes`` take on a serial line at ``baud``, 8N1 (10 bits a byte)."""
    return nbytes * 10 / (baud or NOMINAL_BAUD)


class LinkLost(Exception):
    """The connection is gone (unplugged, closed by the peer, port vanished)."""


class LinkStalled(LinkLost):
    """The printer stopped taking data: nothing moved for ``stall_timeout`` seconds."""


class Link:
    """Wraps an (unopened) python-escpos printer object; not thread-safe (the driver locks)."""

    def __init__(self, printer: Escpos, describe: str, baud: int | None = None,
                 stall_timeout: float = STALL_TIMEOUT) -> None:
        self.printer = printer
        self.describe = describe
        self.baud = baud
        """Serial speed; None for TCP and USB (``NOMINAL_BAUD`` is assumed for deadlines)."""
        self.stall_timeout = stall_timeout
        self.connected = False
        self.last_error = ""
        """Why the last open failed or the link died (for the doctor's report)."""

    @classmethod
    def serial(cls, port: str, baud: int = 115200, *, dsrdtr: bool = False) -> Link:
        """A serial port, or a usblp node (``/dev/usb/lpN``) behind the same path: see ``devnode``."""
        return cls(PrinterPort(devfile=port, baudrate=baud, timeout=0.2, dsrdtr=dsrdtr), f"serial:{port}", baud)

    @classmethod
    def device_node(cls, path: str) -> Link:
        """Any device node as a plain byte stream, never configured as a tty (what usblp needs)."""
        return cls(PrinterPort(devfile=path, node_only=True), f"node:{path}")

    @classmethod
    def network(cls, host: str, port: int = 9100, timeout: float = 10.0) -> Link:
        from escpos.printer import Network

        return cls(Network(host=host, port=port, timeout=timeout), f"tcp:{host}:{port}")

    @classmethod
    def usb(cls, vendor: int, product: int) -> Link:
        from escpos.printer import Usb

        if not Usb.is_usable():
            raise PrinterError("usb_unsupported", "USB printers need pyusb (pip install pyusb)")
        return cls(Usb(idVendor=vendor, idProduct=product), f"usb:{vendor:04x}:{product:04x}")

    # -- connection ---------------------------------------------------------------------
    def open(self) -> None:
        """Open the device; ``LinkLost`` when it is absent (no path, connection refused)."""
        self.close()
        try:
            self.printer.open(raise_not_found=True)
        except (DeviceNotFoundError, ValueError, *_IO_ERRORS) as exc:
            self.printer.device = False
            self.last_error = str(exc).replace("\n", " ")
            raise LinkLost(f"{self.describe}: {self.last_error}") from None
        except Exception as exc:  # pyusb raises its own USBError / NoBackendError types
            self.printer.device = False
            self.last_error = f"{type(exc).__name__}: {exc}"
            raise LinkLost(f"{self.describe}: {self.last_error}") from None
        self.connected = True
        self.last_error = ""

    def close(self) -> None:
        if not self.connected and not self.printer._device:
            return
        self.connected = False
        dev = self.printer._device
        self.printer._device = False
        if not dev:
            return
        try:
            if isinstance(dev, socket.socket | serial.Serial | RawNode):
                dev.close()
            elif hasattr(dev, "reset"):
                import usb.util  # only reached with pyusb installed

                usb.util.dispose_resources(dev)
        except Exception as exc:  # closing a hung-up port may fail; it is gone either way
            log.debug("closing %s: %s", self.describe, exc)

    # -- data -------------------------------------------------------------------------
    def wire_time(self, nbytes: int) -> float:
        return wire_seconds(nbytes, self.baud)

    @property
    def chunk(self) -> int:
        """Bytes per write: ``CHUNK_SECONDS`` of wire time (1152 at 115200 baud, 96 at 9600)."""
        return max(64, int((self.baud or NOMINAL_BAUD) / 10 * CHUNK_SECONDS))

    @property
    def blind_stall_timeout(self) -> float:
        """The stall limit when the output queue cannot be watched (pty, usblp, socket): a full
        OS buffer takes writers back only in bursts, after up to ``LINE_BUFFER`` bytes of wire time."""
        return self.stall_timeout + self.wire_time(LINE_BUFFER)

    def write(self, data: bytes) -> None:
        """Send ``data``; ``LinkStalled`` when the printer stops taking it, ``LinkLost`` when it is gone."""
        if not self.connected:
            raise LinkLost(f"{self.describe}: not connected")
        dev = self.printer.device
        try:
            if isinstance(dev, serial.Serial):
                self._write_serial(dev, data)
            else:
                self._write_chunks(dev, data)
        except (serial.SerialTimeoutException, TimeoutError) as exc:
            self.close()
            self.last_error = f"printer stopped taking data ({exc})"
            raise LinkStalled(f"{self.describe}: {self.last_error}") from None
        except _IO_ERRORS as exc:
            self.close()
            self.last_error = f"write failed: {exc}"
            raise LinkLost(f"{self.describe}: {self.last_error}") from None

    def _write_chunks(self, dev: object, data: bytes) -> None:
        """Raw node, socket or USB: each chunk within its wire time plus the blind stall limit."""
        step = self.chunk
        for i in range(0, len(data), step):
            part = data[i:i + step]
            limit = self.wire_time(len(part)) * 1.5 + self.blind_stall_timeout
            if isinstance(dev, RawNode):
                dev.write_timeout = limit
            elif isinstance(dev, socket.socket):
                dev.settimeout(limit)
            self.printer._raw(part)

    def _write_serial(self, dev: serial.Serial, data: bytes) -> None:
        """A tty, written through its non-blocking descriptor so progress can be watched.

        Progress is a byte taken by the OS or the UART's output queue (TIOCOUTQ) getting
        shorter; a UART's queue drains byte by byte, so ``stall_timeout`` without either
        means the printer holds the line. A pty shows no queue and takes bytes back in
        bursts, so there the limit is ``blind_stall_timeout``. Ends with the queue sent.
        """
        fd = dev.fileno()
        view = memoryview(data)
        queue, since = self._queue(dev), time.monotonic()
        while view:
            if select.select([], [fd], [], 0.05)[1]:
                try:
                    taken = os.write(fd, view[:self.chunk])
                except BlockingIOError:
                    taken = 0
                if taken:
                    view = view[taken:]
                    queue, since = self._queue(dev), time.monotonic()
                    continue
            since, queue = self._check_progress(dev, queue, since)
        while queue:
            time.sleep(min(0.05, self.wire_time(queue)))
            since, queue = self._check_progress(dev, queue, since)

    @staticmethod
    def _queue(dev: serial.Serial) -> int:
        try:
            return dev.out_waiting
        except (OSError, termios.error, serial.SerialException):
            return 0  # no TIOCOUTQ: nothing to watch

    def _check_progress(self, dev: serial.Serial, queue: int, since: float) -> tuple[float, int]:
        """(when progress was last seen, queue now); raises ``SerialTimeoutException`` on a stall."""
        now_queue, now = self._queue(dev), time.monotonic()
        if now_queue < queue:
            return now, now_queue
        limit = self.stall_timeout if now_queue else self.blind_stall_timeout
        if now - since > limit:
            raise serial.SerialTimeoutException(f"nothing taken for {now - since:.1f} s")
        return since, now_queue

    def ask(self, n: int, timeout: float) -> int | None:
        """Send ``DLE EOT n`` and return the one-byte reply, or None when nothing came in time."""
        if not self.connected:
            raise LinkLost(f"{self.describe}: not connected")
        dev = self.printer.device
        try:
            if isinstance(dev, serial.Serial):
                return self._ask_serial(dev, n, timeout)
            if isinstance(dev, socket.socket):
                return self._ask_socket(dev, n, timeout)
            if isinstance(dev, RawNode):
                dev.write_timeout = timeout
                return dev.ask(st.query(n), timeout)
            return self._ask_usb(n, timeout)
        except _IO_ERRORS as exc:
            self.close()
            self.last_error = str(exc)
            raise LinkLost(f"{self.describe}: {exc}") from None

    def _ask_serial(self, dev: serial.Serial, n: int, timeout: float) -> int | None:
        dev.reset_input_buffer()  # stale bytes (ASB pushes, late replies) must not be taken as the answer
        dev.write_timeout = timeout  # a printer that takes no data cannot take the query either
        dev.write(st.query(n))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            dev.timeout = min(left, 0.1)
            got = dev.read(1)
            if got:
                return got[0]

    def _ask_socket(self, dev: socket.socket, n: int, timeout: float) -> int | None:
        while select.select([dev], [], [], 0)[0]:
            if not dev.recv(256):
                raise LinkLost(f"{self.describe}: closed by the printer")
        dev.settimeout(timeout)
        dev.sendall(st.query(n))
        if not select.select([dev], [], [], timeout)[0]:
            return None
        got = dev.recv(1)
        if not got:
            raise LinkLost(f"{self.describe}: closed by the printer")
        return got[0]

    def _ask_usb(self, n: int, timeout: float) -> int | None:
        p = self.printer
        try:
            while p.device.read(p.in_ep, 16, 1):
                pass
        except Exception:  # a read timeout on an empty endpoint is how pyusb says "nothing"
            log.debug("usb drain done")
        p._raw(st.query(n))
        try:
            got = bytes(p.device.read(p.in_ep, 16, int(timeout * 1000)))
        except Exception as exc:
            if "timeout" in str(exc).lower() or "timed out" in str(exc).lower():
                return None
            raise OSError(str(exc)) from None
        return got[-1] if got else None
