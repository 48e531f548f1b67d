"""The camera as a fallback scanner: latest frames -> QR decode -> ``CodeScanned``.

A code held in front of the camera is seen in many consecutive frames; the same text is
published once and then suppressed for ``dedupe_s`` seconds after it was last seen, so
one wave of a phone is one scan. Decoding runs on this scanner's own thread and always
takes the newest frame, so a slow decode skips frames rather than falling behind.
"""

from __future__ import annotations

import logging
import threading
import time

from drivers.base import DeviceState, Publish, StatusTracker
from drivers.camera.camera import Camera
from drivers.camera.qr import Profile, QrDecoder
from drivers.scanner.classify import classify, masked
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


class CameraScanner:
    """``CameraScanner("scanner", camera, publish).start()``: the camera must be started separately."""

    def __init__(self, device: str, camera: Camera, publish: Publish, *, dedupe_s: float = 3.0,
                 profile: Profile | str = Profile.FAST) -> None:
        self.device, self.camera = device, camera
        self._publish = publish
        self.status = StatusTracker(device, publish)
        self._decoder = QrDecoder(profile)
        self._dedupe = Deduper(dedupe_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CameraScanner:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-camera-{self.device}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(3)
        self.status.set(DeviceState.OFFLINE, detail="stopped")

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
                    kind = classify(r.text)
                    log.info("scanner %s: %s code %s (camera, %s)", self.device, kind.value,
                             masked(r.text, kind), r.decoder)
                    self._publish(CodeScanned(self.device, r.text, kind, "camera"))
