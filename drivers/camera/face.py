"""Face presence and quality for the identity photo (人脸比对 live photo).

``assess_face`` finds faces with a detector and judges the largest one:
found, centred, large enough, sharp (variance of the Laplacian). Each failed check is a
``FaceIssue`` that the UI turns into a citizen prompt ("move closer", "hold still").

The opencv-python-headless 5 wheel has no ``CascadeClassifier`` at all, no cascade files
(``cv2.data`` holds only its ``__init__``) and no model for ``FaceDetectorYN``. So the
detector is YuNet (``FaceDetectorYN``) with an ONNX model file given by the site
($KIOSK_FACE_MODEL, e.g. face_detection_yunet_2023mar.onnx from opencv_zoo), or a Haar
cascade on an OpenCV build that still has one. Without either,
``FaceDetectorUnavailable`` says so instead of reporting "no face" for every frame.
``judge_face`` is the pure quality rule and takes any detector's boxes.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h
Detector = Callable[[np.ndarray], Sequence[Box]]

MIN_FACE_FRACTION = 0.25  # face width / frame width
MAX_FACE_FRACTION = 0.80
MAX_CENTRE_OFFSET = 0.15  # of the frame size
MIN_SHARPNESS = 60.0      # variance of the Laplacian over the face, 8-bit grey


class FaceDetectorUnavailable(Exception):
    """No cascade file could be loaded; the face step must be disabled, not failed."""


class FaceIssue(enum.StrEnum):
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    TOO_FAR = "too_far"
    TOO_CLOSE = "too_close"
    NOT_CENTRED = "not_centred"
    BLURRED = "blurred"


PROMPTS: dict[FaceIssue, dict[str, str]] = {
    FaceIssue.NO_FACE: {"zh_CN": "请正对摄像头", "en": "Please face the camera"},
    FaceIssue.SEVERAL_FACES: {"zh_CN": "请确保画面中只有您一人", "en": "Only one person in the picture, please"},
    FaceIssue.TOO_FAR: {"zh_CN": "请靠近一些", "en": "Move closer"},
    FaceIssue.TOO_CLOSE: {"zh_CN": "请离远一些", "en": "Move back a little"},
    FaceIssue.NOT_CENTRED: {"zh_CN": "请将脸部置于框内", "en": "Keep your face inside the frame"},
    FaceIssue.BLURRED: {"zh_CN": "请保持不动", "en": "Hold still"},
}


@dataclass(frozen=True)
class FaceQuality:
    ok: bool
    issues: tuple[FaceIssue, ...]
    box: Box | None = None
    sharpness: float = 0.0
    faces: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def prompts(self, lang: str = "zh_CN") -> list[str]:
        return [PROMPTS[i].get(lang, PROMPTS[i]["en"]) for i in self.issues]


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian: low for motion blur and defocus."""
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def judge_face(shape: tuple[int, ...], boxes: Sequence[Box], gray: np.ndarray) -> FaceQuality:
    h, w = shape[:2]
    if not boxes:
        return FaceQuality(False, (FaceIssue.NO_FACE,))
    x, y, bw, bh = max(boxes, key=lambda b: b[2] * b[3])
    issues: list[FaceIssue] = []
    if len(boxes) > 1:
        issues.append(FaceIssue.SEVERAL_FACES)
    frac = bw / w
    if frac < MIN_FACE_FRACTION:
        issues.append(FaceIssue.TOO_FAR)
    elif frac > MAX_FACE_FRACTION:
        issues.append(FaceIssue.TOO_CLOSE)
    dx = abs(x + bw / 2 - w / 2) / w
    dy = abs(y + bh / 2 - h / 2) / h
    if max(dx, dy) > MAX_CENTRE_OFFSET:
        issues.append(FaceIssue.NOT_CENTRED)
    sharp = sharpness(gray[max(y, 0):y + bh, max(x, 0):x + bw])
    if sharp < MIN_SHARPNESS:
        issues.append(FaceIssue.BLURRED)
    return FaceQuality(not issues, tuple(issues), (x, y, bw, bh), sharp, len(boxes),
                       {"width_fraction": frac, "centre_offset": max(dx, dy)})


def cascade_path(configured: str | None = None) -> Path | None:
    """A Haar frontal-face cascade file: the configured one, $KIOSK_FACE_CASCADE, cv2.data, Debian's."""
    candidates = [configured, os.environ.get("KIOSK_FACE_CASCADE")]
    base = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if base:
        candidates.append(os.path.join(base, "haarcascade_frontalface_default.xml"))
    candidates += ["/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
                   "/usr/share/opencv/haarcascades/haarcascade_frontalface_default.xml"]
    for c in candidates:
        if c and Path(c).is_file() and c.endswith(".xml"):
            return Path(c)
    return None


def yunet_detector(model: str | Path) -> Detector:
    """OpenCV's FaceDetectorYN (present in OpenCV 5) with a YuNet ONNX model file."""
    if not Path(model).is_file():
        raise FaceDetectorUnavailable(f"face model {model} not found")
    try:
        net = cv2.FaceDetectorYN.create(str(model), "", (320, 320), 0.8)
    except cv2.error as exc:
        raise FaceDetectorUnavailable(f"cannot load face model {model}: {exc}") from exc

    def detect(gray: np.ndarray) -> Sequence[Box]:
        bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
        net.setInputSize((bgr.shape[1], bgr.shape[0]))
        _, faces = net.detect(bgr)
        return [] if faces is None else [tuple(int(v) for v in f[:4]) for f in faces]  # type: ignore[misc]

    return detect


def haar_detector(configured: str | None = None) -> Detector:
    """The Haar cascade detector. OpenCV 5 wheels have no ``CascadeClassifier``: then unavailable."""
    classifier = getattr(cv2, "CascadeClassifier", None)
    if classifier is None:
        raise FaceDetectorUnavailable("this OpenCV build has no CascadeClassifier; configure a YuNet model")
    path = cascade_path(configured)
    if path is None:
        raise FaceDetectorUnavailable("no Haar face cascade found (set KIOSK_FACE_CASCADE)")
    cascade = classifier(str(path))
    if cascade.empty():
        raise FaceDetectorUnavailable(f"cannot load face cascade {path}")

    def detect(gray: np.ndarray) -> Sequence[Box]:
        side = min(gray.shape[:2])
        found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5,
                                         minSize=(max(24, side // 10), max(24, side // 10)))
        return [tuple(int(v) for v in b) for b in found]  # type: ignore[misc]

    return detect


def default_detector(model: str | None = None) -> Detector:
    """YuNet when a model file is given (or in $KIOSK_FACE_MODEL), else a Haar cascade; raises
    ``FaceDetectorUnavailable`` when neither exists (the case with the stock OpenCV 5 wheel)."""
    model = model or os.environ.get("KIOSK_FACE_MODEL")
    if model and model.endswith(".onnx"):
        return yunet_detector(model)
    return haar_detector(model)


def assess_face(image: np.ndarray, detector: Detector | None = None) -> FaceQuality:
    """Judge one frame; ``detector`` defaults to the Haar cascade (may raise FaceDetectorUnavailable)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    detect = detector or default_detector()
    return judge_face(gray.shape, list(detect(gray)), gray)
