"""The camera as a fallback scanner: latest frames -> QR decode -> ``CodeScanned``.

A code held in front of the camera is seen in many consecutive frames; the same text is
published once and then suppressed for ``dedupe_s`` seconds after it was last seen, so
one wave of a phone is one scan. Decoding runs on this scanner's own thread and always
takes the newest frame, so a slow decode skips frames rather than falling behind.
"""

from __future__ import annotations

import logging
import time

from drivers.base import DeviceState, Publish
from drivers.camera.camera import Camera
from drivers.camera.qr import Profile, QrDecoder
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


class CameraScanner(DeviceThread):
    """``CameraScanner("scanner", camera, publish).start()``: the camera must be started separately."""

    THREAD = "scanner-camera"
    JOIN_S = 3.0

    def __init__(self, device: str, camera: Camera, publish: Publish, *, dedupe_s: float = 3.0,
                 profile: Profile | str = Profile.FAST) -> None:
        super().__init__(device, publish)
        self.camera = camera
        self._decoder = QrDecoder(profile)
        self._dedupe = Deduper(dedupe_s)

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            frame = self.camera.wait_next(seq, 0.2)
            cam_state = self.camera.status.state
            if cam_state in (DeviceState.ONLINE, DeviceState.HARDWARE_ERROR):
                self.status.set(cam_state, detail="" if cam_state is DeviceState.ONLINE else "camera gives no frames")
            else:
                self.status.set(DeviceState.OFFLINE, detail="camera offline")
            if frame is None:
                continue
            seq = frame.seq
            try:
                results = self._decoder.decode(frame.image)
            except ValueError as exc:
                log.warning("camera scanner %s: unusable frame: %s", self.device, exc)
                continue
            now = time.monotonic()
            for r in results:
                if self._dedupe.fresh(r.text, now):
                    event = CodeScanned(self.device, r.text, "camera")
                    log.info("scanner %s: code %s (camera, %s)", self.device, event.masked_text, r.decoder)
                    self._publish(event)
