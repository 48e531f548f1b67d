"""``drivers.camera.shots``: a fresh frame made into a material photo or a test picture, where the frames are."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.camera.camera import Frame
from drivers.camera.results import PHOTO_MAX_SIDE, PREVIEW_MAX_SIDE, DocumentIssue, NoFrame
from drivers.camera.shots import document_shot, snapshot
from tests.drivers.camera.test_capture import page, photo_of


class StillCamera:
    """A camera holding one frame; ``wait_next`` must be asked for a frame after the latest."""

    def __init__(self, image: np.ndarray | None) -> None:
        self.image = image
        self.asked_after: int | None = None

    def latest(self) -> Frame | None:
        return Frame(7, np.zeros((4, 4, 3), np.uint8))

    def wait_next(self, after_seq: int, timeout: float) -> Frame | None:
        self.asked_after = after_seq
        return None if self.image is None else Frame(after_seq + 1, self.image)


def decoded(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def test_a_page_on_the_desk_is_straightened_and_sized() -> None:
    corners = np.float32([[300, 60], [700, 90], [720, 660], [260, 640]])
    camera = StillCamera(cv2.resize(photo_of(page(), corners), (2400, 1800)))
    shot = document_shot(camera, 3.0)
    assert camera.asked_after == 7  # a frame taken after the tap, not the one already shown
    assert shot.issue is None
    jpeg, png = decoded(shot.jpeg), decoded(shot.png)
    assert shot.jpeg[:2] == b"\xff\xd8" and max(jpeg.shape[:2]) <= PHOTO_MAX_SIDE
    assert max(png.shape[:2]) <= PREVIEW_MAX_SIDE
    assert jpeg.shape[0] > jpeg.shape[1]  # the portrait page, not the landscape frame


def test_an_empty_desk_keeps_the_frame_and_says_why() -> None:
    shot = document_shot(StillCamera(np.full((480, 640, 3), 45, np.uint8)), 3.0)
    assert shot.issue is DocumentIssue.NO_PAGE
    assert decoded(shot.jpeg).shape[:2] == (480, 640)


@pytest.mark.parametrize("image", [None, np.zeros((480, 640, 3), np.float32)])
def test_no_usable_frame_is_an_error_not_a_photo(image: np.ndarray | None) -> None:
    with pytest.raises(NoFrame):
        document_shot(StillCamera(image), 0.01)


def test_a_snapshot_is_a_small_png_with_the_frames_size() -> None:
    shot = snapshot(StillCamera(np.full((720, 1280, 3), 128, np.uint8)), 3.0, 480)
    assert shot is not None and (shot.width, shot.height) == (1280, 720)
    assert decoded(shot.png).shape[:2] == (270, 480)
    assert snapshot(StillCamera(None), 0.01, 480) is None
