"""A head-turn liveness challenge: face the camera, turn the way asked, face it again.

A printed photo or a phone showing a still picture cannot turn its head, and the way to
turn is drawn at random per attempt, so a video played back at the kiosk has to be the
right one. The face must stay in view the whole time (its box keeps overlapping from one
frame to the next), so a second face cannot be swapped in between the frontal capture
and the turn. This is a presentation-attack *deterrent* for an attended-looking kiosk,
not a certified liveness test (no depth or infrared camera); the docs say so.

The challenge is pure: it takes one ``FaceQuality`` per frame (``assess_face(...,
frontal=False)``) and keeps the sharpest good frontal frame as the capture for the
platform.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np

from drivers.camera.face import MAX_FRONTAL_YAW, FaceIssue, FaceQuality
from drivers.camera.face_model import Box
from drivers.camera.results import Step, Turn

TURN_YAW = 0.15
"""How much further the nose must move off the eyes' middle (in eye distances) than in the
frontal capture to count as a turn: roughly 15 degrees of head rotation."""
MIN_OVERLAP = 0.3
"""Intersection over union of the face box between consecutive frames: below, the face changed or left."""


@dataclass
class Capture:
    image: np.ndarray
    sharpness: float


def overlap(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


class HeadTurnChallenge:
    def __init__(self, turn: Turn | None = None) -> None:
        self.turn = turn or secrets.choice(list(Turn))
        self.step = Step.FACE_CAMERA
        self.capture: Capture | None = None
        self.broken = 0
        """How often the face was lost or changed mid-challenge (each restarts it)."""
        self._last_box: Box | None = None
        self._frontal_yaw = 0.0

    def _turned(self, yaw: float) -> bool:
        change = yaw - self._frontal_yaw
        return change >= TURN_YAW if self.turn is Turn.LEFT else change <= -TURN_YAW

    @property
    def passed(self) -> bool:
        return self.step is Step.PASSED

    def _restart(self) -> None:
        self.step = Step.FACE_CAMERA
        self.capture = None
        self._last_box = None
        self.broken += 1

    def feed(self, image: np.ndarray, quality: FaceQuality) -> Step:
        """One frame and its quality (judged with ``frontal=False``); returns the step now reached."""
        if self.passed:
            return self.step
        box = quality.box
        if box is None or FaceIssue.SEVERAL_FACES in quality.issues:
            if self.step is not Step.FACE_CAMERA:
                self._restart()
            return self.step
        if self._last_box is not None and overlap(self._last_box, box) < MIN_OVERLAP:
            self._restart()
        self._last_box = box
        yaw = quality.extra.get("yaw", 0.0)
        frontal_ok = quality.ok and abs(yaw) <= MAX_FRONTAL_YAW
        if frontal_ok and self.step in (Step.FACE_CAMERA, Step.RETURN):
            if self.capture is None or quality.sharpness > self.capture.sharpness:
                self.capture = Capture(image.copy(), quality.sharpness)
        if self.step is Step.FACE_CAMERA and frontal_ok:
            self._frontal_yaw = yaw
            self.step = Step.TURN
        elif self.step is Step.TURN and self._turned(yaw):
            self.step = Step.RETURN
        elif self.step is Step.RETURN and frontal_ok:
            self.step = Step.PASSED
        return self.step
