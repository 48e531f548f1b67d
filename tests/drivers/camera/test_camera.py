"""Camera thread over the file emulator, and the camera as a fallback QR scanner."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode

from drivers.base import Backoff, DeviceState, DeviceStatusChanged, Event
from drivers.camera.camera import Camera
from drivers.camera.source import FileSource, SourceError
from drivers.scanner.camera_scanner import CameraScanner, Deduper
from drivers.scanner.events import CodeScanned


def qr_frame(text: str, size: int = 480) -> np.ndarray:
    """A QR code on a grey desk, as a BGR camera frame."""
    code = np.array(qrcode.make(text).convert("L"))
    side = size // 2
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    frame = np.full((size, int(size * 4 / 3)), 90, np.uint8)
    y, x = (size - side) // 2, (frame.shape[1] - side) // 2
    frame[y:y + side, x:x + side] = code
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def blank(size: int = 240) -> np.ndarray:
    return np.full((size, size, 3), 120, np.uint8)


def test_file_source_plays_a_folder_in_a_loop(tmp_path: Path) -> None:
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i}.png"), np.full((20, 20, 3), i * 50, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    src = FileSource(tmp_path, fps=1000)
    src.open()
    values = [int(src.read()[0, 0, 0]) for _ in range(7)]
    src.close()
    assert values == [0, 50, 100, 0, 50, 100, 0]


def test_file_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        FileSource(tmp_path).open()                      # empty folder
    with pytest.raises(SourceError):
        FileSource(tmp_path / "missing.mp4").open()
    with pytest.raises(ValueError):
        FileSource(tmp_path, fps=0)


def test_camera_delivers_latest_frames_from_a_file(tmp_path: Path) -> None:
    img = tmp_path / "desk.png"
    cv2.imwrite(str(img), blank())
    events: list[Event] = []
    cam = Camera("camera", lambda: FileSource(img, fps=100), events.append).start()
    try:
        first = cam.wait_next(0, 3.0)
        assert first is not None and first.image.shape == (240, 240, 3)
        later = cam.wait_next(first.seq, 3.0)
        assert later is not None and later.seq > first.seq
        assert cam.latest() is not None
    finally:
        cam.stop()
    states = [e.state for e in events if isinstance(e, DeviceStatusChanged)]
    assert states[0] is DeviceState.ONLINE and states[-1] is DeviceState.OFFLINE


def test_camera_reconnects_when_the_source_comes_back(tmp_path: Path) -> None:
    img = tmp_path / "cam.png"
    events: queue.Queue[Event] = queue.Queue()
    cam = Camera("camera", lambda: FileSource(img, fps=50, loop=False), events.put,
                 backoff=Backoff(0.05, 2, 0.1)).start()
    try:
        assert events.get(timeout=3).state is DeviceState.OFFLINE      # no file yet
        cv2.imwrite(str(img), blank())
        assert events.get(timeout=3).state is DeviceState.ONLINE
        # a single image without looping ends after one frame: lost, then back
        assert events.get(timeout=3).state is DeviceState.OFFLINE
        assert events.get(timeout=3).state is DeviceState.ONLINE
    finally:
        cam.stop()


class OpensButGivesNoFrames:
    """A V4L2 node that opens but times out on every read (device held elsewhere, broken)."""

    def __init__(self, opened: list[int]) -> None:
        self.opened = opened

    def open(self) -> None:
        self.opened.append(1)

    def read(self) -> np.ndarray:
        raise SourceError("select() timeout")

    def close(self) -> None:
        pass


def test_camera_that_opens_but_gives_no_frames_is_a_hardware_error() -> None:
    events: queue.Queue[Event] = queue.Queue()
    opened: list[int] = []
    cam = Camera("camera", lambda: OpensButGivesNoFrames(opened), events.put, backoff=Backoff(0.02, 2, 0.05)).start()
    scanner = CameraScanner("scanner", cam, events.put).start()
    wanted = {("camera", DeviceState.HARDWARE_ERROR, "no frames"),
              ("scanner", DeviceState.HARDWARE_ERROR, "camera gives no frames")}
    states: set[tuple[str, DeviceState, str]] = set()
    try:
        deadline = time.monotonic() + 3
        while (not wanted <= states or len(opened) < 3) and time.monotonic() < deadline:
            try:
                ev = events.get(timeout=0.05)
            except queue.Empty:
                continue
            if isinstance(ev, DeviceStatusChanged):
                states.add((ev.device, ev.state, ev.detail))
    finally:
        scanner.stop()
        cam.stop()
    assert wanted <= states
    assert not any(state is DeviceState.ONLINE for _, state, _ in states)
    assert len(opened) >= 3   # it keeps retrying with backoff


def test_camera_scanner_decodes_a_generated_code_once(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "0.png"), blank(480))
    cv2.imwrite(str(folder / "1.png"), qr_frame("GZZW-APP-7d3f9a61c2e84b0f"))
    cv2.imwrite(str(folder / "2.png"), qr_frame("GZZW-APP-7d3f9a61c2e84b0f"))
    bus: queue.Queue[Event] = queue.Queue()
    cam = Camera("camera", lambda: FileSource(folder, fps=30), bus.put)
    scanner = CameraScanner("scanner", cam, bus.put, dedupe_s=30)
    cam.start()
    scanner.start()
    codes: list[CodeScanned] = []
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                ev = bus.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(ev, CodeScanned):
                codes.append(ev)
    finally:
        scanner.stop()
        cam.stop()
    assert [(c.text, c.source) for c in codes] == [("GZZW-APP-7d3f9a61c2e84b0f", "camera")]


def test_deduper_window() -> None:
    d = Deduper(3.0)
    assert d.fresh("A", 0.0)
    assert not d.fresh("A", 2.0)
    assert not d.fresh("A", 4.5)   # seen again at 2.0: still the same wave
    assert d.fresh("B", 4.6)
    assert d.fresh("A", 8.0)
