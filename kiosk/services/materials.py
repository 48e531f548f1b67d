"""Photographing an application's materials: a fresh camera frame, the page found and straightened.

``take_material_photo`` runs in the worker pool. The document detector
(``drivers.camera.capture``) finds the page on the desk and straightens it; when it
finds none the raw frame is kept and the issue says why, so the citizen sees the prompt
("all four corners in view") and may still use the photo. What the platform gets is a
JPEG whose long side is ``PHOTO_MAX_SIDE`` (legible A4 text); the screen gets a small PNG.
Nothing is written to disk: the bytes go to the visit, which wipes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from drivers.camera.capture import DocumentIssue, capture_document

FRAME_WAIT_S = 3.0
PHOTO_MAX_SIDE = 1600
"""Material photos sent to the platform: long side in pixels (legible A4 text, ~150-300 kB JPEG)."""
JPEG_QUALITY = 85
PREVIEW_MAX_SIDE = 480


class CameraUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class MaterialShot:
    jpeg: bytes = b""
    png: bytes = b""
    issue: DocumentIssue | None = None
    """Set when no page was found: the raw frame was kept and the citizen sees the prompt."""


def _fit(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def take_material_photo(camera: Any, wait_s: float = FRAME_WAIT_S) -> MaterialShot:
    """A fresh frame, the page found and straightened in it (or the frame itself), as JPEG + preview PNG."""
    latest = camera.latest()
    frame = camera.wait_next(latest.seq if latest else 0, wait_s)
    if frame is None:
        raise CameraUnavailable("no camera frame")
    found = capture_document(frame.image)
    image = found.image if found.ok else frame.image
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise CameraUnavailable("camera frame is not an 8-bit image")
    ok_j, jpeg = cv2.imencode(".jpg", _fit(image, PHOTO_MAX_SIDE), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    ok_p, png = cv2.imencode(".png", _fit(image, PREVIEW_MAX_SIDE))
    if not (ok_j and ok_p):
        raise CameraUnavailable("photo could not be encoded")
    return MaterialShot(jpeg.tobytes(), png.tobytes(), found.issue)
