"""A printer device node that is not a tty: the kernel usblp driver's ``/dev/usb/lpN``.

udev names the printer ``/dev/kiosk/printer`` whether it sits behind a USB-serial bridge
(a tty: pyserial sets the baud rate through termios) or on the usblp driver, which
rejects termios ("Inappropriate ioctl for device"), so python-escpos's Serial printer
cannot open it. A usblp node is a plain byte stream both ways: the job is written to it,
and a bidirectional printer's DLE EOT replies are read back from it. ``PrinterPort`` is
the Serial printer that falls back to ``RawNode`` when the node turns out to be no tty.

The descriptor stays non-blocking and every wait is a ``select`` with a deadline, so a
stalled or unplugged printer costs a timeout (``TimeoutError``) or an ``OSError`` (EIO,
ENODEV), both of which ``Link`` turns into ``LinkLost``, never a hung driver thread.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import time

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Serial

log = logging.getLogger(__name__)


class RawNode:
    """An opened device node: ``write_all``, ``ask`` (query -> one reply byte), ``close``."""

    def __init__(self, fd: int, path: str) -> None:
        self.fd, self.path = fd, path
        self.write_timeout = 10.0

    @classmethod
    def open(cls, path: str) -> RawNode:
        """Open ``path`` read/write without making it a controlling terminal; OSError if absent."""
        return cls(os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK), path)

    @property
    def is_open(self) -> bool:
        return self.fd >= 0

    def write_all(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self.write_timeout
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(errno.ETIMEDOUT, f"{self.path}: printer took no data for {self.write_timeout:g} s")
            if not select.select([], [self.fd], [], min(left, 0.5))[1]:
                continue
            try:
                view = view[os.write(self.fd, view):]
            except BlockingIOError:
                continue

    def _drain(self) -> None:
        """Drop stale input (late replies, unsolicited status) so it is not taken as the answer."""
        while select.select([self.fd], [], [], 0)[0]:
            try:
                if not os.read(self.fd, 256):
                    return
            except BlockingIOError:
                return

    def ask(self, query: bytes, timeout: float) -> int | None:
        """Send ``query``, return the last byte of the reply, or None when nothing came in time."""
        self._drain()
        self.write_all(query)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not select.select([self.fd], [], [], left)[0]:
                return None
            try:
                got = os.read(self.fd, 16)
            except BlockingIOError:
                continue
            # b"": end of file, i.e. a write-only node (a unidirectional printer): no status at all
            return got[-1] if got else None
        return None

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)


class PrinterPort(Serial):
    """python-escpos's Serial printer that also opens a printer node which is no tty (usblp).

    A tty is opened by pyserial exactly as before; only when that fails and the node opens
    as a plain file that is not a tty does the device become a ``RawNode``. Opening the tty
    path first means a serial printer never sees an extra open/close (and DTR toggle).
    """

    def __init__(self, devfile: str = "", *args: object, node_only: bool = False, **kwargs: object) -> None:
        super().__init__(devfile, *args, **kwargs)
        self.node_only = node_only
        """Skip pyserial: open any node as a plain stream (``Link.device_node``)."""

    def open(self, raise_not_found: bool = True) -> None:
        try:
            self._open()
        except DeviceNotFoundError:
            self.device = None
            if raise_not_found:
                raise
            log.error("printer %s not found", self.devfile)

    def _open(self) -> None:
        if self.node_only:
            try:
                self.device = RawNode.open(self.devfile)
            except OSError as exc:
                raise DeviceNotFoundError(f"Could not open printer node {self.devfile}: {exc}") from None
            return
        try:
            super().open(raise_not_found=True)
            return
        except DeviceNotFoundError as serial_error:
            try:
                node = RawNode.open(self.devfile)
            except OSError:
                raise serial_error from None
            if os.isatty(node.fd):  # a real tty pyserial could not configure: report its error
                node.close()
                raise serial_error from None
            self.device = node

    def _raw(self, msg: bytes) -> None:
        if isinstance(self._device, RawNode):
            self._device.write_all(msg)
        else:
            super()._raw(msg)

    def close(self) -> None:
        if isinstance(self._device, RawNode):
            self._device.close()
            self._device = False
        else:
            super().close()
