"""The face step of identification (人证比对): live preview, quality prompts, head-turn challenge.

``run_face_check`` runs on a worker thread and asks the camera for the face step
(``face_check``): the camera's process judges each frame with the bundled face models,
feeds the head-turn challenge and sends a mirrored preview with the challenge's state a
few times a second, which this module words as a prompt and hands to ``show`` (the
identify journey posts it to the UI thread). It returns the sharpest frontal frame as a
JPEG once the challenge has passed; only that frame leaves the kiosk, for the platform to
compare with the photo on file. No frame reaches this process. Nothing is stored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from drivers.camera.results import FaceCancelled, FaceIssue, FaceProgress, FaceShot, FaceTimedOut, Step, Turn
from kiosk.i18n import N_, _
from kiosk.platform.contract import Liveness

FACE_TIMEOUT_S = 30.0
"""A citizen who has not completed the challenge by then is asked whether to try again."""

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


class FaceCamera(Protocol):
    def face_check(self, turn: Turn | None, timeout_s: float, cancelled, progress) -> FaceShot: ...


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


def run_face_check(camera: FaceCamera, stop: threading.Event, show: Callable[[bytes, str], None],
                   turn: Turn | None = None, timeout_s: float = FACE_TIMEOUT_S) -> FaceCapture:
    def progress(p: FaceProgress) -> None:
        show(p.png, step_prompt(p.step, p.turn, p.issues))

    try:
        shot = camera.face_check(turn, timeout_s, stop.is_set, progress)
    except FaceTimedOut as exc:
        raise FaceCheckTimedOut() from exc
    except FaceCancelled as exc:
        raise FaceCheckCancelled() from exc
    return FaceCapture(shot.jpeg, LIVENESS[shot.turn])
