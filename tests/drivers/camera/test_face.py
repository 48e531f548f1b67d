"""Face quality with the bundled models, on real photos (benchmarks/data/faces) and synthetic frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import face
from drivers.camera.face import FaceIssue, assess_face, judge_face
from drivers.camera.face_model import FoundFace, distance, face_models

FACES = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "faces"


def photo(name: str) -> np.ndarray:
    image = cv2.imread(str(FACES / f"{name}.jpg"))
    assert image is not None
    return image


def in_frame(image: np.ndarray, width: int = 640, height: int = 480, face_frac: float = 0.55) -> np.ndarray:
    """The photo scaled and centred in a grey frame, as a kiosk camera would see a citizen."""
    frame = np.full((height, width, 3), 140, np.uint8)
    scale = width * face_frac / image.shape[1]
    small = cv2.resize(image, None, fx=scale, fy=scale)[:height]
    y0, x0 = (height - small.shape[0]) // 2, (width - small.shape[1]) // 2
    frame[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return frame


def test_models_ship_with_the_install() -> None:
    found = face_models().find(photo("obama-0"), upsample=1)
    assert len(found) == 1 and found[0].landmarks.shape == (5, 2)


def test_a_good_frontal_frame_passes() -> None:
    q = assess_face(in_frame(photo("obama-0")))
    assert q.ok, q.issues
    assert q.faces == 1 and abs(q.extra["yaw"]) < face.MAX_FRONTAL_YAW


def test_no_face_in_a_document_or_grey_frame() -> None:
    q = assess_face(np.full((480, 640, 3), 128, np.uint8))
    assert not q.ok and q.issues == (FaceIssue.NO_FACE,)


def test_two_people_too_far_dark_and_blurred() -> None:
    two = np.hstack([in_frame(photo("obama-0"), 320, 480, 0.5), in_frame(photo("biden-0"), 320, 480, 0.5)])
    assert FaceIssue.SEVERAL_FACES in assess_face(two).issues
    far = in_frame(photo("obama-0"), 1280, 720, 0.3)  # the face is 1/8 of the frame wide
    assert FaceIssue.TOO_FAR in assess_face(far).issues
    dark = (in_frame(photo("obama-0")) * 0.3).astype(np.uint8)
    assert FaceIssue.TOO_DARK in assess_face(dark).issues
    frame = in_frame(photo("obama-0"))
    faces = face_models().find(frame)
    blurred = cv2.GaussianBlur(frame, (21, 21), 8)
    assert FaceIssue.BLURRED in judge_face(cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY), faces).issues


def test_turned_head_is_reported_only_when_frontal_is_asked() -> None:
    gray = np.full((480, 640), 128, np.uint8)
    cv2.randn(gray, 128, 40)
    turned = FoundFace((200, 120, 240, 240), np.array([[260, 200], [300, 200], [340, 200], [380, 200], [390, 260]],
                                                      np.float32))
    assert turned.yaw > face.MAX_FRONTAL_YAW
    assert FaceIssue.TURNED in judge_face(gray, [turned]).issues
    assert FaceIssue.TURNED not in judge_face(gray, [turned], frontal=False).issues


@pytest.mark.parametrize(("a", "b", "same"), [("obama-0", "obama2-0", True), ("obama-0", "biden-0", False),
                                              ("sample6-0", "sample6-2", False)])
def test_descriptors_separate_people(a: str, b: str, same: bool) -> None:
    da, db = (face_models().embed(photo(n), face_models().find(photo(n), upsample=1)[0]) for n in (a, b))
    assert (distance(da, db) <= 0.5) is same
