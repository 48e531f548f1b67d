"""Frames made into what leaves the camera's process: a material photo, a test picture, the codes in a frame.

These run where the frames are (``drivers.camera.camera_worker``): a 1280x720 frame is
2.7 MB and its page finding and encoding allocate several times that, which the kiosk's
long-running UI process would otherwise hold, fragment and keep OpenCV loaded for.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

from drivers.camera.camera import Frame
from drivers.camera.capture import capture_document
from drivers.camera.results import JPEG_QUALITY, PHOTO_MAX_SIDE, PREVIEW_MAX_SIDE, DocumentShot, NoFrame, Snapshot


class FrameSupply(Protocol):
    def latest(self) -> Frame | None: ...
    def wait_next(self, after_seq: int, timeout: float) -> Frame | None: ...


def fresh_frame(camera: FrameSupply, wait_s: float) -> np.ndarray:
    """A frame taken after this call (not the one already shown), or ``NoFrame``."""
    latest = camera.latest()
    frame = camera.wait_next(latest.seq if latest else 0, wait_s)
    if frame is None:
        raise NoFrame("no camera frame")
    return frame.image


def fit(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def document_shot(camera: FrameSupply, wait_s: float, max_side: int = PHOTO_MAX_SIDE,
                  quality: int = JPEG_QUALITY, preview_side: int = PREVIEW_MAX_SIDE) -> DocumentShot:
    """A fresh frame, the page found and straightened in it (or the frame itself), as JPEG + preview PNG."""
    image = fresh_frame(camera, wait_s)
    found = capture_document(image)
    picture = found.image if found.ok else image
    if not isinstance(picture, np.ndarray) or picture.dtype != np.uint8:
        raise NoFrame("camera frame is not an 8-bit image")
    ok_j, jpeg = cv2.imencode(".jpg", fit(picture, max_side), [cv2.IMWRITE_JPEG_QUALITY, quality])
    ok_p, png = cv2.imencode(".png", fit(picture, preview_side))
    if not (ok_j and ok_p):
        raise NoFrame("photo could not be encoded")
    return DocumentShot(jpeg.tobytes(), png.tobytes(), found.issue)


def snapshot(camera: FrameSupply, wait_s: float, side: int) -> Snapshot | None:
    """A fresh frame scaled down to ``side`` and encoded as PNG (None: no frame in ``wait_s``)."""
    try:
        image = fresh_frame(camera, wait_s)
    except NoFrame:
        return None
    height, width = image.shape[:2]
    ok, png = cv2.imencode(".png", fit(image, side))
    if not ok:
        raise ValueError("the frame could not be encoded")
    return Snapshot(png.tobytes(), width, height)
