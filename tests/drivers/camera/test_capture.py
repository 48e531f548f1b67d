"""Document capture on synthetic pages: white paper with text, photographed on a dark desk.

The proportions and orientation tests photograph the page the way the kiosk's camera does:
a pinhole camera (optical centre in the middle of the picture) looking down at the desk at
an angle, the page lying on it upright, sideways or upside down. Tesseract's OSD (Debian
``tesseract-ocr-osd``, installed by scripts/bootstrap.sh) must turn every one upright.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from drivers.camera.capture import A4, A5, ID_CARD, DocumentIssue, capture_document, page_aspect, snap_paper
from drivers.camera.orientation import rotate_clockwise

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TEXT = [
    "APPLICATION FOR A CERTIFICATE OF NO CRIMINAL RECORD",
    "Name of applicant: Zhang San",
    "Service code: 440100-CRJ-0702",
    "The applicant declares that the information given",
    "in this form is true and complete to the best of",
    "his or her knowledge and belief, and accepts that",
    "a false statement may lead to refusal of the service.",
    "Date of application: 5 December 2026",
    "Signature of applicant: ____________________",
]


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
    assert 1.2 < ratio < 1.8   # portrait (this warp is no real camera's, so its proportions are not exact)
    gray = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
    assert gray.mean() > 180                                    # mostly paper, not desk
    top = gray[: gray.shape[0] // 6]
    assert (top < 100).sum() > 200                              # the heading's ink is near the top


def test_no_page_and_too_small() -> None:
    assert capture_document(np.full((480, 640, 3), 60, np.uint8)).issue is DocumentIssue.NO_PAGE
    small = np.array([[300, 300], [360, 300], [360, 380], [300, 380]], np.float32)
    assert capture_document(photo_of(page(), small)).issue is DocumentIssue.TOO_SMALL
    assert capture_document(np.zeros((10, 10), np.float64)).issue is DocumentIssue.BAD_IMAGE  # type: ignore[arg-type]


def text_page(paper=A4, px_per_mm: float = 4.0) -> np.ndarray:
    """A portrait page of ``paper`` covered in lines of printed text (BGR)."""
    w, h = round(paper.short_mm * px_per_mm), round(paper.long_mm * px_per_mm)
    img = Image.new("RGB", (w, h), (246, 246, 242))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, max(12, round(5.5 * px_per_mm)))
    line = round(12 * px_per_mm)
    for i, text in enumerate((TEXT * 4)[: (h - 2 * line) // line]):
        draw.text((round(15 * px_per_mm), line + i * line), text, fill=(25, 25, 25), font=font)
    return np.ascontiguousarray(np.array(img)[:, :, ::-1])


def camera_photo(sheet: np.ndarray, sheet_mm: tuple[float, float], *, tilt_deg: float = 30, yaw_deg: float = 8,
                 distance_mm: float = 420, focal_px: float = 1800, size: tuple[int, int] = (2560, 1920)) -> np.ndarray:
    """What a pinhole camera ``distance_mm`` above the desk, tilted by ``tilt_deg``, sees of
    ``sheet`` (an image ``sheet_mm`` wide and high) lying centred on a dark desk."""
    w_mm, h_mm = sheet_mm
    t, y = math.radians(tilt_deg), math.radians(yaw_deg)
    rot_x = np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])
    rot_z = np.array([[math.cos(y), -math.sin(y), 0], [math.sin(y), math.cos(y), 0], [0, 0, 1]])
    r = rot_x @ rot_z
    k = np.array([[focal_px, 0, size[0] / 2], [0, focal_px, size[1] / 2], [0, 0, 1]])
    desk_to_image = k @ np.column_stack([r[:, 0], r[:, 1], [0, 0, distance_mm]])
    sheet_to_desk = np.array([[w_mm / sheet.shape[1], 0, -w_mm / 2], [0, h_mm / sheet.shape[0], -h_mm / 2], [0, 0, 1]])
    h = desk_to_image @ sheet_to_desk
    desk = np.full((size[1], size[0], 3), (52, 58, 66), np.uint8)
    return cv2.warpPerspective(sheet, h / h[2, 2], size, dst=desk, borderMode=cv2.BORDER_TRANSPARENT,
                               flags=cv2.INTER_AREA)


def _likeness(a: np.ndarray, b: np.ndarray) -> float:
    small = (60, 85)
    ga = cv2.resize(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), small, interpolation=cv2.INTER_AREA).astype(np.float64)
    gb = cv2.resize(cv2.cvtColor(b, cv2.COLOR_BGR2GRAY), small, interpolation=cv2.INTER_AREA).astype(np.float64)
    ga, gb = ga - ga.mean(), gb - gb.mean()
    return float((ga * gb).sum() / math.sqrt((ga * ga).sum() * (gb * gb).sum()))


@pytest.mark.parametrize("laid", [0, 90, 180, 270])
def test_a4_photographed_at_an_angle_comes_out_a4_and_upright(laid: int) -> None:
    """The page lies on the desk turned by ``laid`` degrees; the capture is A4-shaped and reads upright."""
    original = text_page(A4)
    sheet = rotate_clockwise(original, laid)
    sheet_mm = (A4.short_mm, A4.long_mm) if laid in (0, 180) else (A4.long_mm, A4.short_mm)
    photo = camera_photo(sheet, sheet_mm)
    result = capture_document(photo)
    assert result.ok and result.paper == "A4"
    out = result.image
    assert out is not None and out.shape[0] > out.shape[1]               # portrait again
    assert out.shape[0] / out.shape[1] == pytest.approx(A4.ratio, rel=0.01)
    assert result.rotated == (360 - laid) % 360
    likeness = {turn: _likeness(rotate_clockwise(out, turn), original) for turn in (0, 90, 180, 270)}
    assert max(likeness, key=likeness.get) == 0 and likeness[0] > 0.5   # it matches the upright page


def test_the_measured_proportions_undo_the_perspective() -> None:
    """A steep view makes an A4 page look far from A4 by its sides; the geometry recovers 1.414."""
    photo = camera_photo(text_page(A4), (A4.short_mm, A4.long_mm), tilt_deg=40, yaw_deg=0)
    result = capture_document(photo, make_upright=False)
    assert result.corners is not None
    tl, tr, br, bl = result.corners
    by_sides = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl))
    assert abs(by_sides - A4.ratio) > 0.15                               # what the sides alone would say
    assert 1 / page_aspect(result.corners, photo.shape) == pytest.approx(A4.ratio, rel=0.03)
    assert result.paper == "A4"


def test_id_card_receipt_and_a5_sizes() -> None:
    card = text_page(ID_CARD, px_per_mm=8)
    photo = camera_photo(rotate_clockwise(card, 90), (ID_CARD.long_mm, ID_CARD.short_mm), distance_mm=130)
    result = capture_document(photo, make_upright=False)
    assert result.paper == "id_card" and result.image is not None
    assert result.image.shape[1] / result.image.shape[0] == pytest.approx(ID_CARD.ratio, rel=0.01)

    receipt = np.full((900, 300, 3), 240, np.uint8)                     # 80 x 240 mm strip
    result = capture_document(camera_photo(receipt, (80, 240), distance_mm=260, tilt_deg=15), make_upright=False)
    assert result.paper == "receipt" and result.aspect == pytest.approx(3.0, rel=0.04)

    # A4 and A5 share a shape: the desk's scale tells them apart
    focal, distance = 1800, 420
    a5 = camera_photo(text_page(A5), (A5.short_mm, A5.long_mm), tilt_deg=5, yaw_deg=0)
    assert capture_document(a5, 0.05, make_upright=False).paper == "A4"   # shape alone: the usual A4
    assert capture_document(a5, 0.05, make_upright=False, px_per_mm=focal / distance).paper == "A5"
    a4 = camera_photo(text_page(A4), (A4.short_mm, A4.long_mm), tilt_deg=5, yaw_deg=0)
    assert capture_document(a4, 0.05, make_upright=False, px_per_mm=focal / distance).paper == "A4"


def test_snap_paper_leaves_unknown_shapes_alone() -> None:
    assert snap_paper(1.0) is None and snap_paper(1.25) is None
    assert snap_paper(1.42) is A4 and snap_paper(1.58) is ID_CARD and snap_paper(2.6).name == "receipt"
