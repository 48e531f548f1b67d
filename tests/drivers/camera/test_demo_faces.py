"""The camera emulator's scenes: document frames by default, a demo citizen's face clip on request."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.camera.demo_faces import SceneSource
from drivers.camera.demo_frames import write_demo_frames
from drivers.camera.face import assess_face
from drivers.camera.liveness import HeadTurnChallenge, Step, Turn
from drivers.camera.source import FileSource, SourceError

from .test_liveness import play

FACES = __import__("pathlib").Path(__file__).resolve().parents[3] / "assets" / "demo" / "faces"


def test_scenes_switch_between_document_and_face(tmp_path) -> None:
    source = SceneSource(FileSource(write_demo_frames(tmp_path), fps=100.0), fps=100.0)
    source.open()
    try:
        assert assess_face(source.read()).faces == 0
        source.present_face(FACES / "P002.jpg")
        assert assess_face(source.read()).ok
        source.present_default()
        assert assess_face(source.read()).faces == 0
        with pytest.raises(SourceError):
            source.present_face(tmp_path / "missing.jpg")
        with pytest.raises(SourceError):
            source.present_face(np.full((200, 200, 3), 128, np.uint8))
    finally:
        source.close()


@pytest.mark.parametrize("person", ["P001", "P002", "P003", "P004", "P005", "P006"])
def test_demo_citizens_can_pass_the_challenge(tmp_path, person) -> None:
    """The demo and the chaos visits depend on these clips passing either way."""
    source = SceneSource(FileSource(write_demo_frames(tmp_path), fps=100.0), fps=100.0, hold=1)
    source.open()
    source.present_face(FACES / f"{person}.jpg")
    clip = [source.read() for _ in range(40)]
    source.close()
    for turn in Turn:
        assert play(HeadTurnChallenge(turn), clip) is Step.PASSED


def test_each_pose_of_a_face_clip_is_held_for_several_reads(tmp_path) -> None:
    """A busy face step sees one frame in several: a pose shown for one frame could be missed every loop."""
    source = SceneSource(FileSource(write_demo_frames(tmp_path), fps=1000.0), fps=1000.0, hold=4)
    source.open()
    try:
        source.present_face(FACES / "P002.jpg")
        frames = [source.read() for _ in range(16)]
    finally:
        source.close()
    changes = [i for i in range(1, len(frames)) if not np.array_equal(frames[i], frames[i - 1])]
    assert changes and all(i % 4 == 0 for i in changes)
    assert all(np.array_equal(frames[i], frames[i - i % 4]) for i in range(len(frames)))
    with pytest.raises(ValueError):
        SceneSource(FileSource(write_demo_frames(tmp_path), fps=100.0), hold=0)


def test_the_clip_is_held_as_jpeg_and_read_as_full_frames(tmp_path) -> None:
    """Seven decoded 1280x720 poses were 19 MB held by the UI process for the whole face step."""
    source = SceneSource(FileSource(write_demo_frames(tmp_path), fps=1000.0), fps=1000.0)
    source.open()
    try:
        source.present_face(FACES / "P002.jpg")
        held = {id(jpeg): len(jpeg) for jpeg in source._clip}
        frame = source.read()
    finally:
        source.close()
    assert len(held) == 7 and sum(held.values()) < 2_000_000
    assert frame.shape == (720, 1280, 3) and frame.dtype == np.uint8
