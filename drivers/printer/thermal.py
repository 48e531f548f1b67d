"""The ESC/POS thermal printer driver: status before and after every job, text or raster printing, polling.

A slip goes out in one of two encodings (``text_mode``): ``gb18030``, text in the
printer's own Chinese font with the QR code drawn by the printer (``textmode.py``, a few
hundred bytes to a few KB), or ``raster``, the whole slip drawn on the host (``raster.py``,
50-120 KB) for printers without a Chinese font. The wait for the status after a job is
computed from the job's bytes and the baud rate, and a printer that stops taking data
fails the job as soon as the link sees it stop (``LinkStalled``, reason ``stalled``).

Invariant 3 of the design (a paid print is printed or stays reprintable) rests here:
a job is refused with ``PrinterNotReady`` when the printer is not online, and a job whose
closing status is not healthy raises ``PrintJobFailed`` and publishes
``PrintJobFinished(ok=False)`` so the caller keeps it reprintable. All I/O happens under
one lock so the background poller never interleaves a status request with job bytes.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Literal

from escpos.exceptions import ImageWidthError
from escpos.printer import Dummy
from PIL import Image

from drivers.base import Backoff, DeviceState, MediaStatus, Publish, StatusTracker, discard
from drivers.printer import realtime as st
from drivers.printer.document import Document
from drivers.printer.errors import DocumentError, PrinterNotReady, PrintJobFailed
from drivers.printer.events import PrintJobFinished
from drivers.printer.raster import Renderer
from drivers.printer.textmode import QrMode, TextEncoder
from drivers.printer.transport import LINE_BUFFER, Link, LinkLost, LinkStalled

if TYPE_CHECKING:
    from drivers.printer.settings import PrinterSection

log = logging.getLogger(__name__)

TextMode = Literal["gb18030", "raster"]
JOB_GRACE = 1.0
"""Seconds a printer may take, beyond the wire time, to answer DLE EOT after a job."""


def job_bytes(image: Image.Image, width: int) -> bytes:
    """ESC @, the image as ``GS v 0`` raster (python-escpos), feed and full cut.

    Built on a python-escpos ``Dummy`` whose profile knows the paper width, so an image
    wider than the paper is refused by python-escpos instead of printing garbage.
    """
    d = Dummy()
    profile = copy.deepcopy(d.profile.profile_data)
    profile["media"]["width"]["pixels"] = width
    d.profile.profile_data = profile
    d.hw("INIT")
    try:
        d.image(image, impl="bitImageRaster")
    except ImageWidthError:
        raise DocumentError("image_too_wide", f"image is {image.width} dots wide, the paper {width}") from None
    d.cut()
    return d.output


class ThermalPrinter:
    """One ESC/POS printer. Thread-safe; ``start()`` runs the status poller.

    ``status_timeout`` bounds each DLE EOT reply. The reply after a job waits behind the
    job's bytes still on their way: ``reply_timeout(nbytes)`` computes that wait from the
    bytes and the link's baud rate, unless ``job_timeout`` fixes it.
    """

    def __init__(self, link: Link, *, name: str = "printer", publish: Publish = discard,
                 paper_width: int = 576, text_mode: TextMode = "gb18030", qr_mode: QrMode = "native",
                 status_timeout: float = 0.5, job_timeout: float | None = None,
                 poll_interval: float = 2.0, backoff: Backoff | None = None) -> None:
        if text_mode not in ("gb18030", "raster"):
            raise ValueError(f"text_mode must be 'gb18030' or 'raster', got {text_mode!r}")
        self.link = link
        self.name = name
        self.publish = publish
        self.renderer = Renderer(paper_width)
        self.text_mode = text_mode
        self.encoder = TextEncoder(paper_width, qr_mode)
        self.paper_width = paper_width
        self.status_timeout = status_timeout
        self.job_timeout = job_timeout
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff(first=0.2, ceiling=10.0)
        self.tracker = StatusTracker(name, publish, MediaStatus.UNKNOWN)
        self.last_status: st.PrinterStatus = st.OFFLINE
        self._io = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- construction from the kiosk config ----------------------------------------------
    @classmethod
    def serial(cls, port: str, baud: int = 115200, **kw: object) -> ThermalPrinter:
        return cls(Link.serial(port, baud), **kw)  # type: ignore[arg-type]

    @classmethod
    def network(cls, host: str, port: int = 9100, **kw: object) -> ThermalPrinter:
        return cls(Link.network(host, port), **kw)  # type: ignore[arg-type]

    @classmethod
    def from_config(cls, section: PrinterSection, publish: Publish = discard, *, port: str | None = None,
                    name: str = "printer") -> ThermalPrinter:
        """From ``Config.devices.printer``; ``port`` overrides it (the demo's emulator pty)."""
        backend = section.backend
        width = section.paper_width_dots
        if backend == "network":
            link = Link.network(section.host, section.tcp_port)
        elif backend == "usb":
            link = Link.usb(section.usb_vendor, section.usb_product)
        else:
            link = Link.serial(port or section.port, section.baud)
        return cls(link, name=name, publish=publish, paper_width=width, text_mode=section.text_mode,
                   qr_mode=section.qr_mode)

    # -- connection and status -----------------------------------------------------------
    def _connect(self) -> bool:
        if self.link.connected:
            return True
        try:
            self.link.open()
        except LinkLost as exc:
            log.debug("printer %s: %s", self.name, exc)
            return False
        return True

    def _read_status(self, timeout: float) -> st.PrinterStatus:
        """DLE EOT 1, 2, 4 (and 3 when 2 says an error occurred); caller holds the lock."""
        if not self._connect():
            return st.OFFLINE
        raw: dict[int, int] = {}
        try:
            for n in (st.PRINTER_STATUS, st.OFFLINE_CAUSE, st.PAPER_SENSOR):
                value = self.link.ask(n, timeout)
                if value is None:
                    return st.OFFLINE
                if not st.valid_reply(value):
                    return st.invalid(n, value)
                raw[n] = value
                timeout = self.status_timeout
            if raw[st.OFFLINE_CAUSE] & 0x40:
                value = self.link.ask(st.ERROR_CAUSE, self.status_timeout)
                if value is not None and st.valid_reply(value):
                    raw[st.ERROR_CAUSE] = value
        except LinkLost as exc:
            log.info("printer %s: link lost: %s", self.name, exc)
            return st.OFFLINE
        return st.decode(raw)

    def _report(self, status: st.PrinterStatus) -> st.PrinterStatus:
        self.last_status = status
        self.tracker.set(status.state, status.media, status.reason.value)
        return status

    def status(self) -> st.PrinterStatus:
        """Ask the printer now (blocks at most a few status timeouts) and publish any change."""
        with self._io:
            return self._report(self._read_status(self.status_timeout))

    @property
    def state(self) -> DeviceState:
        return self.tracker.state

    # -- printing ------------------------------------------------------------------------
    def encode(self, doc: Document) -> bytes:
        """The job's bytes for ``doc`` in this printer's ``text_mode``."""
        if self.text_mode == "gb18030":
            return self.encoder.encode(doc)
        return job_bytes(self.renderer.render(doc), self.paper_width)

    def reply_timeout(self, nbytes: int) -> float:
        """How long the status after an ``nbytes`` job may take: the bytes still in the OS and
        interface buffers drain at the baud rate first (DLE EOT is answered on arrival)."""
        if self.job_timeout is not None:
            return self.job_timeout
        return self.status_timeout + JOB_GRACE + self.link.wire_time(min(nbytes, LINE_BUFFER))

    def print_document(self, doc: Document, job_id: str | None = None) -> st.PrinterStatus:
        """Encode and print; returns the status after the job. See ``print_bytes``."""
        return self.print_bytes(self.encode(doc), job_id)

    def print_image(self, image: Image.Image, job_id: str | None = None) -> st.PrinterStatus:
        """Print a raster image and cut (any printer). See ``print_bytes``."""
        return self.print_bytes(job_bytes(image, self.paper_width), job_id)

    def print_bytes(self, data: bytes, job_id: str | None = None) -> st.PrinterStatus:
        """Send one complete job (ending in a cut) between two status readings.

        Raises ``PrinterNotReady`` (nothing sent) or ``PrintJobFailed`` (sent, outcome bad);
        both carry a ``reason`` code, and a ``PrintJobFinished`` event is published either way.
        """
        job_id = job_id or uuid.uuid4().hex[:12]
        with self._io:
            before = self._report(self._read_status(self.status_timeout))
            if not before.ready:
                self.publish(PrintJobFinished(self.name, job_id=job_id, ok=False, reason=before.reason.value))
                raise PrinterNotReady(before.reason.value, f"printer {self.name} not ready: {before.reason.value}")
            self.tracker.set(DeviceState.BUSY, before.media, st.Reason.PRINTING.value)
            sent, stalled = True, False
            try:
                self.link.write(data)
            except LinkLost as exc:
                log.warning("printer %s: job %s interrupted: %s", self.name, job_id, exc)
                sent, stalled = False, isinstance(exc, LinkStalled)
            if stalled:  # the line is full, no status request gets through; the poller asks again later
                after = self._report(st.STALLED)
            else:
                after = self._report(self._read_status(self.reply_timeout(len(data))))
        ok = sent and after.ready
        reason = after.reason.value
        if not sent and after.ready:
            reason = st.Reason.OFFLINE.value
        self.publish(PrintJobFinished(self.name, job_id=job_id, ok=ok, reason=reason))
        if not ok:
            raise PrintJobFailed(reason, f"print job {job_id} on {self.name} failed: {reason}", job_id)
        log.info("printer %s: job %s printed (%d bytes)", self.name, job_id, len(data))
        return after

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the background poller (reconnects with backoff, publishes every change)."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name=f"printer-{self.name}", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                s = self.status()
            except Exception:  # the poller must outlive any surprise from a driver stack
                log.exception("printer %s: status poll failed", self.name)
                s = self._report(st.OFFLINE)
            if s.state is DeviceState.OFFLINE:
                with self._io:
                    self.link.close()  # reopen next time: the port may be a new device after a replug
                delay = self.backoff.next_delay()
            else:
                self.backoff.reset()
                delay = self.poll_interval
            self._stop.wait(delay)

    def stop(self) -> None:
        """Stop the poller and let go of the port (a later status or job opens it again)."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
            self._thread = None
        with self._io:
            self.link.close()

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> ThermalPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
