"""The camera thread: capture at the camera's own rate into a one-frame slot.

Consumers (the UI preview, the QR fallback scanner, the photo step) never queue behind
the camera: the thread overwrites a single "latest frame" slot and bumps a sequence
number, so a slow consumer skips frames instead of building a backlog, and nothing but
the capture thread ever blocks on the device. A source that fails is closed and reopened
with ``Backoff``; each change is reported through ``StatusTracker``: ``online`` once frames
flow, ``offline`` when the camera is missing or was lost, ``hardware_error`` when it opens
but gives no frame at all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from drivers.base import Backoff, DeviceState, Publish, StatusTracker
from drivers.camera.source import FrameSource, SourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    seq: int
    image: np.ndarray
    """Owned by the consumer after ``latest``/``wait_next``: the thread never writes into it again."""


class Camera:
    """``Camera("camera", lambda: FileSource(path), publish).start()``; ``.latest()``; ``.wait_next(seq)``."""

    def __init__(self, device: str, make_source: Callable[[], FrameSource], publish: Publish,
                 backoff: Backoff | None = None) -> None:
        self.device = device
        self._make_source = make_source
        self.status = StatusTracker(device, publish)
        self._backoff = backoff or Backoff(first=0.2, ceiling=5.0)
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Camera:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"camera-{self.device}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread:
            self._thread.join(3)
        self.status.set(DeviceState.OFFLINE, detail="stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def latest(self) -> Frame | None:
        with self._cond:
            return self._frame

    def wait_next(self, after_seq: int, timeout: float) -> Frame | None:
        """The first frame newer than ``after_seq``, or None after ``timeout`` s (or on stop)."""
        with self._cond:
            self._cond.wait_for(lambda: self._stop.is_set() or (self._frame is not None
                                                                and self._frame.seq > after_seq), timeout)
            frame = self._frame
        return frame if frame is not None and frame.seq > after_seq else None

    def _run(self) -> None:
        while not self._stop.is_set():
            source = self._make_source()
            try:
                source.open()
            except (SourceError, OSError) as exc:
                self.status.set(DeviceState.OFFLINE, detail="camera missing")
                log.debug("camera %s open failed: %s", self.device, exc)
                self._stop.wait(self._backoff.next_delay())
                continue
            delivered = False
            try:
                while not self._stop.is_set():
                    image = source.read()
                    if not delivered:
                        delivered = True
                        self.status.set(DeviceState.ONLINE)
                        self._backoff.reset()
                    with self._cond:
                        self._seq += 1
                        self._frame = Frame(self._seq, image)
                        self._cond.notify_all()
            except (SourceError, OSError) as exc:
                # Opened but never gave a frame: the device is there and broken (or held by
                # another program), which a technician must look at; a camera that worked
                # and then failed was unplugged, and comes back by itself.
                log.info("camera %s %s: %s", self.device, "lost" if delivered else "gives no frames", exc)
                if delivered:
                    self.status.set(DeviceState.OFFLINE, detail="camera lost")
                else:
                    self.status.set(DeviceState.HARDWARE_ERROR, detail="no frames")
                self._stop.wait(self._backoff.next_delay())
            finally:
                source.close()
