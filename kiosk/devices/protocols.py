"""What the kiosk uses of each device class: one Protocol per class, the drivers' real API.

Journeys and services program against these, never against a driver class, so a
backend (serial, HID, camera; ESC/POS over serial, USB or TCP; CUPS or a folder) can
change without touching them. They are runtime-checkable so a test can hold every
backend's driver against them. Readings that arrive on their own (a card, a code) are
events on the bus, not methods: these protocols hold what is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Callable

    from drivers.base import DeviceState, StatusTracker
    from drivers.camera.camera import Frame
    from drivers.camera.results import DocumentShot, FaceProgress, FaceShot, Snapshot, Turn
    from drivers.printer.a4 import A4Job, A4JobState
    from drivers.printer.document import Document
    from drivers.printer.realtime import PrinterStatus
    from drivers.printer.transport import Link


@runtime_checkable
class IdReader(Protocol):
    """Publishes ``CardInserted``, ``CardRead`` and ``CardRemoved``."""

    port: str
    status: StatusTracker


@runtime_checkable
class Scanner(Protocol):
    """Publishes ``CodeScanned`` (read by ``kiosk.services.codes``)."""

    status: StatusTracker


@runtime_checkable
class Camera(Protocol):
    """The camera runs in its own process (``drivers.camera.camera_process``): what it hands over is
    encoded pictures and texts; frames only for the face step."""

    status: StatusTracker

    def document_shot(self, wait_s: float) -> DocumentShot:
        """A material photo from a frame taken after the call (``NoFrame`` if none came)."""
        ...

    def snapshot(self, wait_s: float, side: int) -> Snapshot | None: ...

    def decode_next(self, after_seq: int, timeout: float, profile: str = "fast") -> tuple[int, list[str]]: ...

    def face_check(self, turn: Turn | None, timeout_s: float, cancelled: Callable[[], bool],
                   progress: Callable[[FaceProgress], None]) -> FaceShot:
        """The face step where the frames are: previews to ``progress``, the capture at the end."""
        ...

    def latest(self) -> Frame | None: ...

    def wait_next(self, after_seq: int, timeout: float) -> Frame | None:
        """The first frame newer than ``after_seq``, or None after ``timeout`` s."""
        ...


@runtime_checkable
class ThermalPrinter(Protocol):
    """Receipts, tickets and certificates; refuses a job unless ready (``PrinterNotReady``)."""

    link: Link
    last_status: PrinterStatus

    @property
    def state(self) -> DeviceState: ...

    def status(self) -> PrinterStatus:
        """Ask the printer now (DLE EOT), publishing any change."""
        ...

    def print_document(self, doc: Document, job_id: str | None = None) -> PrinterStatus: ...


@runtime_checkable
class A4Printer(Protocol):
    tracker: StatusTracker

    def status(self) -> DeviceState: ...

    def submit(self, pdf: str | Path, title: str = "kiosk") -> A4Job: ...

    def wait(self, job_id: str, timeout: float = 120.0, interval: float = 1.0) -> A4JobState: ...
