"""The camera as a fallback scanner: latest frames -> QR decode -> ``CodeScanned``.

A code held in front of the camera is seen in many consecutive frames; the same text is
published once and then suppressed for ``dedupe_s`` seconds after it was last seen, so
one wave of a phone is one scan. This scanner's thread asks the camera for the codes in
its newest frame (``decode_next``); the decoding runs where the frames are, in the camera's
process (``drivers.camera.camera_worker``), and only texts come back. It always takes the
newest frame, so a slow decode skips frames rather than falling behind.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from drivers.base import DeviceState, Publish, StatusTracker
from drivers.reader import DeviceThread
from drivers.scanner.events import CodeScanned

log = logging.getLogger(__name__)


class Deduper:
    """``fresh(text, now)`` is True the first time and again only after ``window`` s without it."""

    def __init__(self, window: float = 3.0) -> None:
        self.window = window
        self._last_seen: dict[str, float] = {}

    def fresh(self, text: str, now: float) -> bool:
        self._last_seen = {t: at for t, at in self._last_seen.items() if now - at < self.window}
        is_new = text not in self._last_seen
        self._last_seen[text] = now
        return is_new


class DecodingCamera(Protocol):
    """The camera (``CameraProcess``, or an in-process ``Camera``): it decodes; only texts arrive here."""

    status: StatusTracker

    def decode_next(self, after_seq: int, timeout: float, profile: str = "fast") -> tuple[int, list[str]]: ...


class CameraScanner(DeviceThread):
    """``CameraScanner("scanner", camera, publish).start()``: the camera must be started separately."""

    THREAD = "scanner-camera"
    JOIN_S = 3.0

    def __init__(self, device: str, camera: DecodingCamera, publish: Publish, *, dedupe_s: float = 3.0,
                 profile: str = "fast") -> None:
        super().__init__(device, publish)
        self.camera = camera
        self._profile = str(profile)
        self._dedupe = Deduper(dedupe_s)

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            try:
                seq, texts = self.camera.decode_next(seq, 0.2, self._profile)
            except ValueError as exc:
                log.warning("camera scanner %s: unusable frame: %s", self.device, exc)
                texts = []
            except RuntimeError as exc:  # the camera's process failed or is restarting: its state says so
                log.warning("camera scanner %s: %s", self.device, exc)
                texts = []
                self._stop.wait(0.2)
            cam_state = self.camera.status.state
            if cam_state in (DeviceState.ONLINE, DeviceState.HARDWARE_ERROR):
                self.status.set(cam_state, detail="" if cam_state is DeviceState.ONLINE else "camera gives no frames")
            else:
                self.status.set(DeviceState.OFFLINE, detail="camera offline")
            now = time.monotonic()
            for text in texts:
                if self._dedupe.fresh(text, now):
                    event = CodeScanned(self.device, text, "camera")
                    log.info("scanner %s: code %s (camera)", self.device, event.masked_text)
                    self._publish(event)
