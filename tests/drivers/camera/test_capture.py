"""Document capture on a synthetic page: white paper with text, warped on a dark desk."""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.capture import DocumentIssue, capture_document


def page(w: int = 420, h: int = 594) -> np.ndarray:
    p = np.full((h, w, 3), 245, np.uint8)
    for i, line in enumerate(["APPLICATION FORM", "Name: ZHANG SAN", "Service: 440100-CRJ-0702"]):
        cv2.putText(p, line, (30, 80 + 60 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (20, 20, 20), 2)
    cv2.rectangle(p, (30, 300), (390, 560), (40, 40, 40), 2)
    return p


def photo_of(p: np.ndarray, corners: np.ndarray, size: tuple[int, int] = (960, 720)) -> np.ndarray:
    h, w = p.shape[:2]
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    desk = np.full((size[1], size[0], 3), (50, 60, 70), np.uint8)
    warped = cv2.warpPerspective(p, m, size, dst=desk, borderMode=cv2.BORDER_TRANSPARENT)
    return warped


def test_warped_page_is_found_and_straightened() -> None:
    corners = np.array([[300, 40], [660, 90], [700, 690], [250, 660]], np.float32)
    result = capture_document(photo_of(page(), corners))
    assert result.ok and result.issue is None
    assert np.allclose(result.corners, corners, atol=6)
    out = result.image
    assert out is not None
    ratio = out.shape[0] / out.shape[1]
    assert 1.2 < ratio < 1.6                                   # portrait page, roughly A4
    gray = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
    assert gray.mean() > 180                                    # mostly paper, not desk
    top = gray[: gray.shape[0] // 6]
    assert (top < 100).sum() > 200                              # the heading's ink is near the top


def test_no_page_and_too_small() -> None:
    assert capture_document(np.full((480, 640, 3), 60, np.uint8)).issue is DocumentIssue.NO_PAGE
    small = np.array([[300, 300], [360, 300], [360, 380], [300, 380]], np.float32)
    assert capture_document(photo_of(page(), small)).issue is DocumentIssue.TOO_SMALL
    assert capture_document(np.zeros((10, 10), np.float64)).issue is DocumentIssue.BAD_IMAGE  # type: ignore[arg-type]
