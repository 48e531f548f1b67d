"""Face quality for the live capture (人证比对): one face, big enough, centred, facing the camera, sharp, well lit.

``assess_face`` finds the faces with the bundled dlib models (``face_model``) and judges
the largest; ``judge_face`` is the pure rule and takes any faces with landmarks. Each
failed check is a ``FaceIssue`` that the face step turns into a citizen prompt ("move
closer", "hold still"; worded and translated by the kiosk, kiosk/journeys/face_check.py).
The rule rejects what makes a comparison unreliable, so the
platform is only asked about frames worth comparing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from drivers.camera.face_model import Box, FaceFinder, FoundFace, face_models
from drivers.camera.results import FaceIssue

MIN_FACE_FRACTION = 0.18  # face width / frame width
MAX_FACE_FRACTION = 0.80
MAX_CENTRE_OFFSET = 0.20  # of the frame size
MIN_SHARPNESS = 30.0      # variance of the Laplacian over the face, 8-bit grey
MAX_FRONTAL_YAW = 0.22    # nose offset in eye distances (FoundFace.yaw), about 20 degrees
MAX_ROLL_DEGREES = 15.0
MIN_BRIGHTNESS = 60.0     # mean grey level over the face
MAX_BRIGHTNESS = 200.0


@dataclass(frozen=True)
class FaceQuality:
    ok: bool
    issues: tuple[FaceIssue, ...]
    face: FoundFace | None = None
    sharpness: float = 0.0
    faces: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def box(self) -> Box | None:
        return self.face.box if self.face is not None else None


SHARPNESS_WIDTH = 128


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian over the face scaled to a fixed width: low for motion blur and defocus.

    Scaling first makes the figure independent of how many pixels the face covers, so one
    threshold serves a citizen close to the camera and one further away.
    """
    if not gray.size:
        return 0.0
    scaled = cv2.resize(gray, (SHARPNESS_WIDTH, max(1, round(gray.shape[0] * SHARPNESS_WIDTH / gray.shape[1]))),
                        interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(scaled, cv2.CV_64F).var())


def judge_face(gray: np.ndarray, faces: Sequence[FoundFace], *, frontal: bool = True) -> FaceQuality:
    """The quality rule on found faces; ``frontal=False`` skips the pose check (the head-turn frames)."""
    h, w = gray.shape[:2]
    if not faces:
        return FaceQuality(False, (FaceIssue.NO_FACE,))
    face = max(faces, key=lambda f: f.box[2] * f.box[3])
    x, y, bw, bh = face.box
    issues: list[FaceIssue] = []
    if len(faces) > 1:
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
    if frontal and (abs(face.yaw) > MAX_FRONTAL_YAW or abs(face.roll_degrees) > MAX_ROLL_DEGREES):
        issues.append(FaceIssue.TURNED)
    region = gray[max(y, 0):max(y, 0) + bh, max(x, 0):max(x, 0) + bw]
    sharp = sharpness(region)
    if sharp < MIN_SHARPNESS:
        issues.append(FaceIssue.BLURRED)
    brightness = float(region.mean()) if region.size else 0.0
    if brightness < MIN_BRIGHTNESS:
        issues.append(FaceIssue.TOO_DARK)
    elif brightness > MAX_BRIGHTNESS:
        issues.append(FaceIssue.TOO_BRIGHT)
    return FaceQuality(not issues, tuple(issues), face, sharp, len(faces),
                       {"width_fraction": frac, "centre_offset": max(dx, dy), "yaw": face.yaw,
                        "roll": face.roll_degrees, "brightness": brightness})


def assess_face(image: np.ndarray, models: FaceFinder | None = None, *, frontal: bool = True) -> FaceQuality:
    """Judge one BGR (or grey) frame with the bundled models."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return judge_face(gray, (models or face_models()).find(image), frontal=frontal)
