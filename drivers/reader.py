"""One thread per device that reads: start, stop, and a reconnect loop with ``Backoff``.

A reader owns its device on its own thread so the kiosk never blocks on a port. The
loop is the same for every reader: open the device (missing: ``offline`` and wait),
serve it until it is lost (``offline`` and wait), close it, open it again; nothing is
raised to the caller. Subclasses say how to open, serve and close their device.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import Generic, Self, TypeVar

from drivers.base import Backoff, DeviceState, Publish, StatusTracker

H = TypeVar("H")


class DeviceThread(ABC):
    """A device's worker thread and status: ``start()`` ... ``stop()``; subclasses write ``_run``.

    ``stop()`` reports the device ``offline`` ("stopped") so a stopped driver never shows as online.
    """

    THREAD: str = "device"
    """Thread name prefix (the device name follows)."""
    JOIN_S: float = 2.0

    def __init__(self, device: str, publish: Publish) -> None:
        self.device = device
        self._publish = publish
        self.status = StatusTracker(device, publish)
        self._log = logging.getLogger(type(self).__module__)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.THREAD}-{self.device}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():  # a device may stop itself
            self._thread.join(self.JOIN_S)
        self.status.set(DeviceState.OFFLINE, detail="stopped")

    @abstractmethod
    def _run(self) -> None: ...


class ReaderThread(DeviceThread, Generic[H]):
    """Open -> serve until lost -> close, again with backoff, until stopped.

    ``_open`` raises one of ``OPEN_ERRORS`` when the device is not there; ``_serve`` returns
    when stopped and raises one of ``LOST_ERRORS`` when the device goes away.
    """

    OPEN_ERRORS: tuple[type[BaseException], ...] = (OSError,)
    LOST_ERRORS: tuple[type[BaseException], ...] = (OSError,)
    MISSING: str = "port missing"
    LOST: str = "port lost"

    def __init__(self, device: str, publish: Publish, backoff: Backoff) -> None:
        super().__init__(device, publish)
        self._backoff = backoff

    @abstractmethod
    def _open(self) -> H: ...

    @abstractmethod
    def _serve(self, handle: H) -> None: ...

    @abstractmethod
    def _close(self, handle: H) -> None: ...

    def _lost(self, exc: BaseException) -> None:
        """The device went away while served: ``offline`` until it is back."""
        self._log.info("%s %s lost: %s", self.THREAD, self.device, exc)
        self.status.set(DeviceState.OFFLINE, detail=self.LOST)

    def _pause(self) -> None:
        self._stop.wait(self._backoff.next_delay())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                handle = self._open()
            except self.OPEN_ERRORS as exc:
                self.status.set(DeviceState.OFFLINE, detail=self.MISSING)
                self._log.debug("%s %s: open failed: %s", self.THREAD, self.device, exc)
                self._pause()
                continue
            try:
                self._serve(handle)
            except self.LOST_ERRORS as exc:
                self._lost(exc)
                self._pause()
            finally:
                self._close(handle)
