"""The face step's camera work: frames judged, the head-turn challenge fed, previews and the capture encoded.

It runs where the frames are, in the camera's process (``drivers.camera.camera_worker``):
each 1280x720 frame, its judging and the liveness challenge's kept frames stay there, and
the kiosk's UI process gets a small mirrored preview PNG with the challenge's state a few
times a second (``FaceProgress``) and, once the challenge has passed, the sharpest frontal
frame as a JPEG (``FaceShot``), the only picture that leaves the kiosk. The kiosk words
and translates the prompts (kiosk/journeys/face_check.py). Nothing is stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

from drivers.camera.face import assess_face
from drivers.camera.liveness import HeadTurnChallenge
from drivers.camera.results import FaceCancelled, FaceProgress, FaceShot, FaceTimedOut, NoFrame, Step, Turn
from drivers.camera.shots import FrameSupply

PREVIEW_EVERY_S = 0.25
PREVIEW_WIDTH = 480
CAPTURE_WIDTH = 640


def preview_png(image: np.ndarray, box: tuple[int, int, int, int] | None) -> bytes:
    """The frame mirrored (as a mirror shows the citizen) with the face box, small, as PNG."""
    scale = PREVIEW_WIDTH / image.shape[1]
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if box is not None:
        x, y, w, h = (int(v * scale) for v in box)
        cv2.rectangle(small, (x, y), (x + w, y + h), (80, 200, 80), 2)
    ok, png = cv2.imencode(".png", cv2.flip(small, 1))
    if not ok:
        raise RuntimeError("preview could not be encoded")
    return png.tobytes()


def capture_jpeg(image: np.ndarray) -> bytes:
    scale = min(1.0, CAPTURE_WIDTH / image.shape[1])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError("capture could not be encoded")
    return jpeg.tobytes()


def face_session(camera: FrameSupply, cancelled: Callable[[], bool], progress: Callable[[FaceProgress], None],
                 turn: Turn | None, timeout_s: float, preview_every_s: float = PREVIEW_EVERY_S) -> FaceShot:
    """Run the challenge on the camera's frames until it passes (``FaceTimedOut``, ``FaceCancelled``, ``NoFrame``)."""
    challenge = HeadTurnChallenge(turn)
    deadline = time.monotonic() + timeout_s
    latest = camera.latest()
    seq = latest.seq if latest else 0
    shown_at = 0.0
    while not cancelled():
        if time.monotonic() > deadline:
            raise FaceTimedOut()
        frame = camera.wait_next(seq, 2.0)
        if frame is None:
            raise NoFrame("no camera frame")
        seq = frame.seq
        quality = assess_face(frame.image, frontal=False)
        step = challenge.feed(frame.image, quality)
        if step is Step.PASSED and challenge.capture is not None:
            return FaceShot(capture_jpeg(challenge.capture.image), challenge.turn)
        if time.monotonic() - shown_at >= preview_every_s:
            shown_at = time.monotonic()
            progress(FaceProgress(preview_png(frame.image, quality.box), step, challenge.turn, quality.issues))
    raise FaceCancelled()
