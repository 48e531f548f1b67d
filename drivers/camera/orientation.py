"""Which way up a page is: Tesseract's orientation and script detection (OSD).

A citizen lays a page on the desk any way round; the rectified photo then shows it sideways
or upside down. Tesseract (Debian ``tesseract-ocr`` + ``tesseract-ocr-osd``) reads the text's
direction for Latin and Han script alike; it runs as a subprocess (``--psm 0``: OSD only),
the page handed over on stdin as PNG, so nothing is written to disk. Without Tesseract, or
when the page holds too little text to judge, the page is left as it is.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

TESSERACT = "tesseract"
MIN_CONFIDENCE = 1.0
"""Below this orientation confidence Tesseract is guessing (a photo, a nearly blank page)."""
MAX_SIDE = 2000
"""OSD needs no more pixels than this; bigger pages are scaled down first (it is faster)."""
_ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class Orientation:
    rotate: int
    """Degrees clockwise that put the page upright (0, 90, 180 or 270)."""
    confidence: float


def detect_orientation(image: np.ndarray, dpi: int | None = None, timeout: float = 30.0) -> Orientation | None:
    """Tesseract's reading of which way up ``image`` is, or None (no Tesseract, too little text)."""
    if shutil.which(TESSERACT) is None:
        log.warning("tesseract not installed: pages are not turned upright (apt install tesseract-ocr-osd)")
        return None
    scale = min(1.0, MAX_SIDE / max(image.shape[:2]))
    if scale < 1.0:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", image)
    if not ok:
        return None
    argv = [TESSERACT, "stdin", "stdout", "--psm", "0", "-l", "osd"]
    if dpi:
        argv += ["--dpi", str(max(70, round(dpi * scale)))]
    try:
        done = subprocess.run(argv, input=png.tobytes(), capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("tesseract OSD failed: %s", exc)
        return None
    out = done.stdout.decode(errors="replace")
    rotate = re.search(r"^Rotate:\s*(\d+)", out, re.M)
    confidence = re.search(r"^Orientation confidence:\s*([\d.]+)", out, re.M)
    if done.returncode != 0 or rotate is None or confidence is None:
        log.info("tesseract OSD gave no orientation: %s", done.stderr.decode(errors="replace").strip()[-200:])
        return None
    return Orientation(int(rotate[1]) % 360, float(confidence[1]))


def rotate_clockwise(image: np.ndarray, degrees: int) -> np.ndarray:
    code = _ROTATIONS.get(degrees % 360)
    return image if code is None else cv2.rotate(image, code)


def upright(image: np.ndarray, dpi: int | None = None) -> tuple[np.ndarray, int]:
    """``image`` turned so its text reads upright, and the clockwise degrees it was turned."""
    found = detect_orientation(image, dpi)
    if found is None or found.rotate == 0 or found.confidence < MIN_CONFIDENCE:
        return image, 0
    return rotate_clockwise(image, found.rotate), found.rotate
