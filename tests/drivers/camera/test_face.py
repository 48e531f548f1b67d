"""Face quality: the no-face path and the quality rule on synthetic images.

The opencv-python-headless 5 wheel ships no Haar cascade and no face model, and there is
no face image to test with, so the detector is exercised for its 'unavailable' path and
the quality rule (found, centred, size, sharpness) is tested with known boxes.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.camera import face
from drivers.camera.face import FaceDetectorUnavailable, FaceIssue, assess_face, judge_face


def textured(h: int = 480, w: int = 640) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(0, 256, (h, w), dtype=np.uint8)


def test_no_face_prompts_the_citizen() -> None:
    q = assess_face(np.full((480, 640, 3), 128, np.uint8), detector=lambda gray: [])
    assert not q.ok and q.issues == (FaceIssue.NO_FACE,)
    assert q.prompts("en") == ["Please face the camera"]
    assert q.prompts("zh_CN") == ["请正对摄像头"]


def test_good_face_passes() -> None:
    gray = textured()
    q = judge_face(gray.shape, [(220, 140, 200, 200)], gray)
    assert q.ok and q.issues == () and q.sharpness > face.MIN_SHARPNESS


def test_small_offcentre_blurred_and_several() -> None:
    gray = cv2.GaussianBlur(textured(), (31, 31), 10)
    q = judge_face(gray.shape, [(10, 10, 60, 60), (400, 300, 40, 40)], gray)
    assert set(q.issues) == {FaceIssue.SEVERAL_FACES, FaceIssue.TOO_FAR, FaceIssue.NOT_CENTRED, FaceIssue.BLURRED}
    assert "Move closer" in q.prompts("en") and "Hold still" in q.prompts("en")


def test_too_close() -> None:
    gray = textured()
    assert FaceIssue.TOO_CLOSE in judge_face(gray.shape, [(20, 0, 600, 480)], gray).issues


def test_missing_detector_is_reported_not_a_false_no_face(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("KIOSK_FACE_MODEL", raising=False)
    monkeypatch.setattr(face, "cascade_path", lambda configured=None: None)
    with pytest.raises(FaceDetectorUnavailable):
        assess_face(np.full((100, 100), 128, np.uint8))
    with pytest.raises(FaceDetectorUnavailable):
        face.default_detector(str(tmp_path / "missing.onnx"))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(FaceDetectorUnavailable):
        face.default_detector(str(bad))
