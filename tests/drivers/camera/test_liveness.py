"""The head-turn challenge on a face clip and on a still photo."""

from __future__ import annotations

import cv2
import numpy as np

from drivers.camera.demo_faces import face_clip
from drivers.camera.face import assess_face
from drivers.camera.liveness import HeadTurnChallenge, Step, Turn, overlap

from .test_face import photo


def play(challenge: HeadTurnChallenge, frames: list[np.ndarray]) -> Step:
    for frame in frames:
        if challenge.feed(frame, assess_face(frame, frontal=False)) is Step.PASSED:
            break
    return challenge.step


def test_turning_both_ways_passes_and_keeps_a_frontal_capture() -> None:
    clip = face_clip(photo("obama-0"))
    for turn in Turn:
        challenge = HeadTurnChallenge(turn)
        assert play(challenge, clip * 2) is Step.PASSED
        assert challenge.capture is not None and assess_face(challenge.capture.image).ok


def test_a_still_photo_never_passes() -> None:
    still = face_clip(photo("obama-0"))[0]
    challenge = HeadTurnChallenge(Turn.LEFT)
    assert play(challenge, [still] * 30) is Step.TURN


def test_turning_the_wrong_way_does_not_pass() -> None:
    clip = face_clip(photo("obama-0"))
    left_only = clip[:8]  # facing, then the left turn and back
    assert play(HeadTurnChallenge(Turn.LEFT), left_only) is Step.PASSED
    assert play(HeadTurnChallenge(Turn.RIGHT), left_only) is not Step.PASSED


def test_a_different_face_swapped_in_restarts() -> None:
    a = face_clip(photo("obama-0"))
    moved = [cv2.warpAffine(f, np.float32([[1, 0, 400], [0, 1, 0]]), (f.shape[1], f.shape[0])) for f in a]
    challenge = HeadTurnChallenge(Turn.RIGHT)
    play(challenge, a[:5] + moved[5:])  # faced the camera, then a face elsewhere turned
    assert challenge.broken >= 1 and challenge.step is not Step.PASSED
    assert overlap((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0 and overlap((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
