"""Photographing an application's materials: a fresh camera frame, the page found and straightened.

``take_material_photo`` runs in the worker pool and asks the camera for a document shot:
the camera's process (``drivers.camera.camera_process``) takes a frame after the tap, finds
the page on the desk and straightens it (``drivers.camera.shots``); when it finds none the
raw frame is kept and the issue says why, so the citizen sees the prompt ("all four
corners in view") and may still use the photo. What the platform gets is a JPEG whose long
side is ``PHOTO_MAX_SIDE`` (legible A4 text); the screen gets a small PNG. Only those bytes
reach this process (never the frame), and nothing is written to disk: the bytes go to the
visit, which wipes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from drivers.camera.results import PHOTO_MAX_SIDE as PHOTO_MAX_SIDE  # re-exported: the sizes the shot is made at
from drivers.camera.results import PREVIEW_MAX_SIDE as PREVIEW_MAX_SIDE
from drivers.camera.results import DocumentIssue, DocumentShot, NoFrame

FRAME_WAIT_S = 3.0


class CameraUnavailable(RuntimeError):
    pass


class DocumentCamera(Protocol):
    def document_shot(self, wait_s: float) -> DocumentShot: ...


@dataclass(frozen=True)
class MaterialShot:
    jpeg: bytes = b""
    png: bytes = b""
    issue: DocumentIssue | None = None
    """Set when no page was found: the raw frame was kept and the citizen sees the prompt."""


def take_material_photo(camera: DocumentCamera, wait_s: float = FRAME_WAIT_S) -> MaterialShot:
    """A fresh frame, the page found and straightened in it (or the frame itself), as JPEG + preview PNG."""
    try:
        shot = camera.document_shot(wait_s)
    except NoFrame as exc:
        raise CameraUnavailable(str(exc)) from exc
    return MaterialShot(shot.jpeg, shot.png, shot.issue)
