"""The face step of identification (人证比对): live preview, quality prompts, head-turn challenge.

``run_face_check`` runs on a worker thread: it reads camera frames, judges each with the
bundled face models, feeds the head-turn challenge and hands a mirrored preview with a
prompt to ``show`` a few times a second (the identify journey posts it to the UI
thread). It returns the sharpest frontal frame as a JPEG once the challenge has passed;
only that frame leaves the kiosk, for the platform to compare with the photo on file.
Nothing is stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.face import FaceIssue, assess_face
from drivers.camera.liveness import HeadTurnChallenge, Step, Turn
from kiosk.devices.protocols import Camera
from kiosk.i18n import N_, _
from kiosk.platform.contract import Liveness

FACE_TIMEOUT_S = 30.0
"""A citizen who has not completed the challenge by then is asked whether to try again."""
PREVIEW_EVERY_S = 0.25
PREVIEW_WIDTH = 480
CAPTURE_WIDTH = 640

LIVENESS = {Turn.LEFT: Liveness.HEAD_TURN_LEFT, Turn.RIGHT: Liveness.HEAD_TURN_RIGHT}

FACE_PROMPTS: dict[FaceIssue, str] = {
    FaceIssue.NO_FACE: N_("请正对摄像头"),
    FaceIssue.SEVERAL_FACES: N_("请确保画面中只有您一人"),
    FaceIssue.TOO_FAR: N_("请靠近一些"),
    FaceIssue.TOO_CLOSE: N_("请离远一些"),
    FaceIssue.NOT_CENTRED: N_("请将脸部置于框内"),
    FaceIssue.TURNED: N_("请正视摄像头，不要歪头"),
    FaceIssue.BLURRED: N_("请保持不动"),
    FaceIssue.TOO_DARK: N_("光线太暗，请靠近屏幕"),
    FaceIssue.TOO_BRIGHT: N_("光线太强，请避开强光"),
}
"""What the citizen is asked to do about each problem the camera driver finds (translated when shown)."""


class FaceCheckTimedOut(Exception):
    """The challenge did not pass within ``FACE_TIMEOUT_S``."""


class FaceCheckCancelled(Exception):
    """The citizen left the face step (or the visit ended)."""


@dataclass(frozen=True)
class FaceCapture:
    jpeg: bytes
    liveness: Liveness


def step_prompt(step: Step, turn: Turn, issues: tuple[FaceIssue, ...]) -> str:
    if step is Step.TURN:
        return _("请慢慢向左转头") if turn is Turn.LEFT else _("请慢慢向右转头")
    if step is Step.RETURN:
        return _("请转回正面，看向摄像头")
    if issues:
        return _(FACE_PROMPTS[issues[0]])
    return _("请正对摄像头，保持不动")


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


def run_face_check(camera: Camera, stop: threading.Event, show: Callable[[bytes, str], None],
                   turn: Turn | None = None, timeout_s: float = FACE_TIMEOUT_S) -> FaceCapture:
    challenge = HeadTurnChallenge(turn)
    deadline = time.monotonic() + timeout_s
    latest = camera.latest()
    seq = latest.seq if latest else 0
    shown_at = 0.0
    while not stop.is_set():
        if time.monotonic() > deadline:
            raise FaceCheckTimedOut()
        frame = camera.wait_next(seq, 2.0)
        if frame is None:
            raise RuntimeError("no camera frame")
        seq = frame.seq
        quality = assess_face(frame.image, frontal=False)
        step = challenge.feed(frame.image, quality)
        if step is Step.PASSED and challenge.capture is not None:
            return FaceCapture(capture_jpeg(challenge.capture.image), LIVENESS[challenge.turn])
        if time.monotonic() - shown_at >= PREVIEW_EVERY_S:
            shown_at = time.monotonic()
            show(preview_png(frame.image, quality.box),
                 step_prompt(step, challenge.turn, quality.issues))
    raise FaceCheckCancelled()
