"""Document capture for material photos: find the page, straighten it.

Edges (Canny after a blur) -> external contours -> the largest convex quadrilateral that
covers enough of the frame -> a perspective warp to an upright rectangle. When there is
no usable page the result carries a ``DocumentIssue`` for the citizen prompt instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import cv2
import numpy as np

MIN_AREA_FRACTION = 0.15


class DocumentIssue(enum.StrEnum):
    NO_PAGE = "no_page"          # no four-cornered outline found
    TOO_SMALL = "too_small"      # the page covers too little of the picture
    BAD_IMAGE = "bad_image"      # not an 8-bit image


PROMPTS: dict[DocumentIssue, dict[str, str]] = {
    DocumentIssue.NO_PAGE: {"zh_CN": "请将材料平放在深色台面上，四角完整入镜",
                            "en": "Lay the page flat on the dark surface with all four corners visible"},
    DocumentIssue.TOO_SMALL: {"zh_CN": "请将材料靠近摄像头", "en": "Bring the page closer to the camera"},
    DocumentIssue.BAD_IMAGE: {"zh_CN": "图像无法处理，请重试", "en": "The picture could not be used, please retry"},
}


@dataclass(frozen=True)
class DocumentCapture:
    image: np.ndarray | None
    corners: np.ndarray | None = None
    """4x2 float32, ordered top-left, top-right, bottom-right, bottom-left, in the input image."""
    issue: DocumentIssue | None = None

    @property
    def ok(self) -> bool:
        return self.image is not None


def order_corners(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    s, d = pts.sum(axis=1), np.diff(pts, axis=1).ravel()
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def find_page(gray: np.ndarray) -> np.ndarray | None:
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(blurred, 50, 150)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    best, best_area = None, 0.0
    for c in contours:
        hull = cv2.convexHull(c)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        area = cv2.contourArea(approx)
        if len(approx) == 4 and area > best_area:
            best, best_area = approx, area
    return order_corners(best) if best is not None else None


def capture_document(image: np.ndarray, min_area: float = MIN_AREA_FRACTION) -> DocumentCapture:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
        return DocumentCapture(None, issue=DocumentIssue.BAD_IMAGE)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    corners = find_page(gray)
    if corners is None:
        return DocumentCapture(None, issue=DocumentIssue.NO_PAGE)
    if cv2.contourArea(corners) < min_area * gray.shape[0] * gray.shape[1]:
        return DocumentCapture(None, corners, DocumentIssue.TOO_SMALL)
    tl, tr, br, bl = corners
    width = round(float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = round(float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    return DocumentCapture(cv2.warpPerspective(image, matrix, (width, height)), corners)
