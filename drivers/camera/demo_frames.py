"""Synthetic frames for the camera emulator when no source file is configured.

A demo kiosk has no camera and ships no photographs, yet the material-photo step needs
something the document detector can find: a light sheet with printed lines, slightly
rotated, on a dark desk — the same situation the real kiosk prompts the citizen into.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SIZE = (1280, 720)


def document_frame(width: int = SIZE[0], height: int = SIZE[1], angle: float = 6.0) -> np.ndarray:
    """A BGR frame: a white A4-shaped page with text lines, rotated by ``angle`` degrees, on a dark desk."""
    frame = np.full((height, width, 3), (48, 44, 40), np.uint8)
    page_h = int(height * 0.8)
    page_w = int(page_h / 1.414)
    page = np.full((page_h, page_w, 3), 238, np.uint8)
    margin = page_w // 10
    cv2.putText(page, "APPLICATION FORM", (margin, margin + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 2)
    for i, y in enumerate(range(margin + 70, page_h - margin, 28)):
        length = page_w - 2 * margin - (i * 37) % (page_w // 3)
        cv2.line(page, (margin, y), (margin + length, y), (90, 90, 90), 3)
    cx, cy = width // 2, height // 2
    corners = np.array([[-page_w / 2, -page_h / 2], [page_w / 2, -page_h / 2],
                        [page_w / 2, page_h / 2], [-page_w / 2, page_h / 2]], np.float32)
    rot = cv2.getRotationMatrix2D((0, 0), angle, 1.0)[:, :2].astype(np.float32)
    dest = corners @ rot.T + np.array([cx, cy], np.float32)
    src = np.array([[0, 0], [page_w, 0], [page_w, page_h], [0, page_h]], np.float32)
    warp = cv2.getPerspectiveTransform(src, dest)
    mask = cv2.warpPerspective(np.full((page_h, page_w), 255, np.uint8), warp, (width, height))
    warped = cv2.warpPerspective(page, warp, (width, height))
    frame[mask > 0] = warped[mask > 0]
    return frame


def write_demo_frames(folder: str | Path) -> Path:
    """Write the demo frames into ``folder`` (once) and return it, for ``FileSource``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "document.png"
    if not target.exists():
        cv2.imwrite(str(target), document_frame())
    return out
