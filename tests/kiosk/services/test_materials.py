"""``take_material_photo``: the camera's document shot (made in the camera's process) as the visit's photo."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.camera.results import DocumentIssue, DocumentShot, NoFrame
from drivers.camera.shots import document_shot
from kiosk.services.materials import CameraUnavailable, take_material_photo
from tests.drivers.camera.test_shots import StillCamera


class ShootingCamera(StillCamera):
    """The camera's process's answer, made here from one still frame."""

    def document_shot(self, wait_s: float) -> DocumentShot:
        return document_shot(self, wait_s)


def test_the_shot_becomes_the_photo_and_its_preview() -> None:
    shot = take_material_photo(ShootingCamera(np.full((480, 640, 3), 45, np.uint8)))
    assert shot.jpeg[:2] == b"\xff\xd8" and shot.png[:4] == b"\x89PNG"
    assert shot.issue is DocumentIssue.NO_PAGE


def test_no_frame_is_camera_unavailable() -> None:
    with pytest.raises(CameraUnavailable):
        take_material_photo(ShootingCamera(None), wait_s=0.01)


def test_the_wait_is_passed_on() -> None:
    class Recording:
        def document_shot(self, wait_s: float) -> DocumentShot:
            self.wait_s = wait_s
            raise NoFrame("none")

    camera = Recording()
    with pytest.raises(CameraUnavailable):
        take_material_photo(camera, wait_s=1.5)
    assert camera.wait_s == 1.5
