"""Document capture for material photos: find the page, straighten it, keep its shape, turn it upright.

Edges (Canny after a blur) -> external contours -> the largest convex quadrilateral that
covers enough of the frame -> its true proportions -> the paper size they match -> a
perspective warp to a rectangle of that size -> Tesseract's text orientation turns it
upright (``drivers.camera.orientation``). When there is no usable page the result carries
a ``DocumentIssue`` for the citizen prompt instead.

Proportions: the sides of the quadrilateral a camera sees are not the page's (the far edge
looks shorter), so the aspect ratio comes from the perspective geometry of a rectangle seen
by a pinhole camera whose optical centre is the middle of the picture (Zhang & He,
"Whiteboard scanning and image enhancement", 2007), with the mean of opposite sides as the
fallback when the view is too square-on for that to be defined. It is then snapped to the
nearest known paper (A4, A5, ID card, receipt) within ``SNAP_TOLERANCE``; A4 and A5 share a
shape, and are told apart only when the desk's scale (``px_per_mm``) is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.orientation import upright
from drivers.camera.results import DocumentIssue

MIN_AREA_FRACTION = 0.15
SNAP_TOLERANCE = 0.05
"""Relative difference of aspect ratio still taken as that paper (ISO 1.414 and ID card 1.585 are 12 % apart)."""
RECEIPT_MIN_RATIO = 2.0
"""Receipts are long strips of any length: longer than this is taken as one and keeps its length."""


@dataclass(frozen=True)
class Paper:
    name: str
    short_mm: float
    long_mm: float

    @property
    def ratio(self) -> float:
        return self.long_mm / self.short_mm


A4 = Paper("A4", 210, 297)
A5 = Paper("A5", 148, 210)
ID_CARD = Paper("id_card", 54, 85.6)
RECEIPT = Paper("receipt", 80, 0)
PAPERS = (A4, A5, ID_CARD)


@dataclass(frozen=True)
class DocumentCapture:
    image: np.ndarray | None
    corners: np.ndarray | None = None
    """4x2 float32, ordered top-left, top-right, bottom-right, bottom-left, in the input image."""
    issue: DocumentIssue | None = None
    paper: str | None = None
    """The paper size the page was snapped to (``A4``, ``A5``, ``id_card``, ``receipt``), None if none fits."""
    aspect: float | None = None
    """The page's long side over its short side as measured, before snapping."""
    rotated: int = 0
    """Degrees clockwise the page was turned to read upright."""

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


def page_aspect(corners: np.ndarray, shape: tuple[int, ...], focal_px: float | None = None) -> float:
    """Width over height of the real rectangle whose photo has ``corners`` (tl, tr, br, bl).

    ``focal_px`` is the camera's focal length in pixels; unknown, it is worked out from the
    two vanishing points, or, when a pair of sides looks parallel (then it cannot be), taken
    as ``DEFAULT_FOCAL_FRACTION`` of the picture's width (a typical webcam's field of view).
    """
    tl, tr, br, bl = (np.array([x, y, 1.0]) for x, y in corners.astype(np.float64))
    sides = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr))
    # Zhang & He, with m1..m4 = tl, tr, bl, br and the optical centre in the middle of the picture
    m1, m2, m3, m4 = tl, tr, bl, br
    u0, v0 = shape[1] / 2.0, shape[0] / 2.0
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1  # the images of the directions of the two sides (vanishing points)
    if not (np.all(np.isfinite(n2)) and np.all(np.isfinite(n3))):
        return float(sides)
    focal = focal_px or _focal_from(n2, n3, u0, v0, shape[1])
    a_inv = np.linalg.inv(np.array([[focal, 0, u0], [0, focal, v0], [0, 0, 1.0]]))
    w2 = n2 @ a_inv.T @ a_inv @ n2
    h2 = n3 @ a_inv.T @ a_inv @ n3
    ratio = float(np.sqrt(w2 / h2)) if w2 > 0 and h2 > 0 else float(sides)
    return ratio if 0.2 < ratio < 5 else float(sides)


DEFAULT_FOCAL_FRACTION = 0.75
"""Focal length over picture width of a usual webcam (about 67 degrees across)."""


def _focal_from(n2: np.ndarray, n3: np.ndarray, u0: float, v0: float, width: int) -> float:
    fallback = DEFAULT_FOCAL_FRACTION * width
    far = 20.0 * width
    for n in (n2, n3):
        if abs(n[2]) < 1e-12 or np.hypot(n[0] / n[2] - u0, n[1] / n[2] - v0) > far:
            return fallback  # a vanishing point (almost) at infinity says nothing of the focal length
    f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
           + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)) / (n2[2] * n3[2])
    if not np.isfinite(f2) or not (0.3 * width) ** 2 < f2 < (4.0 * width) ** 2:
        return fallback
    return float(np.sqrt(f2))


def snap_paper(long_over_short: float, long_mm: float | None = None) -> Paper | None:
    """The known paper with this shape (and, if the size is known, the nearest in size), else None."""
    if long_over_short >= RECEIPT_MIN_RATIO:
        return RECEIPT
    fits = [p for p in PAPERS if abs(long_over_short - p.ratio) <= SNAP_TOLERANCE * p.ratio]
    if not fits:
        return None
    if long_mm is not None:
        return min(fits, key=lambda p: abs(p.long_mm - long_mm))
    return fits[0]


def capture_document(image: np.ndarray, min_area: float = MIN_AREA_FRACTION, *, make_upright: bool = True,
                     px_per_mm: float | None = None) -> DocumentCapture:
    """The page in ``image``: rectified to its paper's proportions and, with ``make_upright``, turned
    so its text reads upright. ``px_per_mm`` (the desk's scale in the picture) tells A4 from A5."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim not in (2, 3):
        return DocumentCapture(None, issue=DocumentIssue.BAD_IMAGE)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    corners = find_page(gray)
    if corners is None:
        return DocumentCapture(None, issue=DocumentIssue.NO_PAGE)
    if cv2.contourArea(corners) < min_area * gray.shape[0] * gray.shape[1]:
        return DocumentCapture(None, corners, DocumentIssue.TOO_SMALL)
    tl, tr, br, bl = corners
    seen_w = float(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    seen_h = float(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    aspect = page_aspect(corners, gray.shape)  # width / height
    long_over_short = max(aspect, 1 / aspect)
    long_px = max(seen_w, seen_h)
    paper = snap_paper(long_over_short, long_px / px_per_mm if px_per_mm else None)
    ratio = paper.ratio if paper is not None and paper is not RECEIPT else long_over_short
    long_side, short_side = round(long_px), max(1, round(long_px / ratio))
    width, height = (long_side, short_side) if aspect >= 1 else (short_side, long_side)
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    page = cv2.warpPerspective(image, matrix, (width, height))
    rotated = 0
    if make_upright:
        dpi = round(long_side / (paper.long_mm / 25.4)) if paper is not None and paper.long_mm else None
        page, rotated = upright(page, dpi)
    return DocumentCapture(page, corners, paper=paper.name if paper else None, aspect=long_over_short,
                           rotated=rotated)
