"""What the camera hands the kiosk: encoded pictures and plain values, never frames (no OpenCV, no NumPy here).

The camera runs in its own process (``drivers.camera.camera_process``); the UI process
imports only these types, so a material photo or a technician's test picture arrives as a
few hundred kB of JPEG/PNG and OpenCV, NumPy's frames and the capture thread stay in the
camera's process.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

PHOTO_MAX_SIDE = 1600
"""Material photos sent to the platform: long side in pixels (legible A4 text, ~150-300 kB JPEG)."""
JPEG_QUALITY = 85
PREVIEW_MAX_SIDE = 480
"""A material photo's preview on the screen: long side in pixels."""


class DocumentIssue(enum.StrEnum):
    NO_PAGE = "no_page"          # no four-cornered outline found
    TOO_SMALL = "too_small"      # the page covers too little of the picture
    BAD_IMAGE = "bad_image"      # not an 8-bit image


class NoFrame(RuntimeError):
    """The camera gave no (usable) frame in time: missing, lost, or busy."""


@dataclass(frozen=True)
class DocumentShot:
    """A material photo: the page straightened (or the whole frame, with ``issue`` saying why)."""

    jpeg: bytes
    png: bytes
    """A small preview for the screen."""
    issue: DocumentIssue | None = None


@dataclass(frozen=True)
class Snapshot:
    """One frame, small, as PNG for a screen, with the frame's own size."""

    png: bytes
    width: int
    height: int


class FaceIssue(enum.StrEnum):
    """What is wrong with a frame for the face step (``drivers.camera.face``); the kiosk words the prompt."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    TOO_FAR = "too_far"
    TOO_CLOSE = "too_close"
    NOT_CENTRED = "not_centred"
    TURNED = "turned"
    BLURRED = "blurred"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"


class Turn(enum.StrEnum):
    LEFT = "left"    # the citizen's left: nose to the image's right, unmirrored camera
    RIGHT = "right"


class Step(enum.StrEnum):
    FACE_CAMERA = "face_camera"
    TURN = "turn"
    RETURN = "return"
    PASSED = "passed"


@dataclass(frozen=True)
class FaceProgress:
    """A few times a second during the face step: the mirrored preview and where the challenge stands."""

    png: bytes
    step: Step
    turn: Turn
    issues: tuple[FaceIssue, ...]


@dataclass(frozen=True)
class FaceShot:
    """The face step passed: the sharpest frontal frame as JPEG, and the way the head turned."""

    jpeg: bytes
    turn: Turn


class FaceTimedOut(Exception):
    """The head-turn challenge did not pass in the time given."""


class FaceCancelled(Exception):
    """The face step was called off (the citizen left it, or the visit ended)."""
