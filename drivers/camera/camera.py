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
from typing import Any

import numpy as np

from drivers.base import Backoff, DeviceState, Publish
from drivers.camera.source import FrameSource, SourceError
from drivers.reader import ReaderThread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    seq: int
    image: np.ndarray
    """Owned by the consumer after ``latest``/``wait_next``: the thread never writes into it again."""


class Camera(ReaderThread[FrameSource]):
    """``Camera("camera", lambda: FileSource(path), publish).start()``; ``.latest()``; ``.wait_next(seq)``."""

    THREAD = "camera"
    JOIN_S = 3.0
    OPEN_ERRORS = LOST_ERRORS = (SourceError, OSError)
    MISSING = "camera missing"

    def __init__(self, device: str, make_source: Callable[[], FrameSource], publish: Publish,
                 backoff: Backoff | None = None) -> None:
        super().__init__(device, publish, backoff or Backoff(first=0.2, ceiling=5.0))
        self._make_source = make_source
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._seq = 0
        self._delivered = False
        self._decoders: dict[str, Any] = {}

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        super().stop()

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

    def decode_next(self, after_seq: int, timeout: float, profile: str = "fast") -> tuple[int, list[str]]:
        """The texts of the QR codes in the first frame after ``after_seq``, and its seq (``after_seq``: none came).

        The camera scanner's one question: asked of the camera, it is answered where the
        frames are (in the camera's process, ``drivers.camera.camera_worker``), and only
        texts travel. A frame OpenCV cannot use raises ``ValueError``.
        """
        from drivers.camera.qr import QrDecoder

        frame = self.wait_next(after_seq, timeout)
        if frame is None:
            return after_seq, []
        decoder = self._decoders.get(profile) or self._decoders.setdefault(profile, QrDecoder(profile))
        return frame.seq, [r.text for r in decoder.decode(frame.image)]

    def _open(self) -> FrameSource:
        source = self._make_source()
        source.open()
        return source

    def _close(self, source: FrameSource) -> None:
        source.close()

    def _serve(self, source: FrameSource) -> None:
        self._delivered = False
        while not self._stop.is_set():
            image = source.read()
            if not self._delivered:
                self._delivered = True
                self.status.set(DeviceState.ONLINE)
                self._backoff.reset()
            with self._cond:
                self._seq += 1
                self._frame = Frame(self._seq, image)
                self._cond.notify_all()

    def _lost(self, exc: BaseException) -> None:
        # Opened but never gave a frame: the device is there and broken (or held by another
        # program), which a technician must look at; a camera that worked and then failed
        # was unplugged, and comes back by itself.
        log.info("camera %s %s: %s", self.device, "lost" if self._delivered else "gives no frames", exc)
        if self._delivered:
            self.status.set(DeviceState.OFFLINE, detail="camera lost")
        else:
            self.status.set(DeviceState.HARDWARE_ERROR, detail="no frames")
