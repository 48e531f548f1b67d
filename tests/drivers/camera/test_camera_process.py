"""The camera in its own process: pictures and codes arrive, never OpenCV; a dead or hung child replaced; no orphan."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import pytest

from drivers.base import DeviceState, DeviceStatusChanged, Event
from drivers.camera.camera_process import CameraProcess
from drivers.camera.results import DocumentShot
from tests.drivers.camera.test_camera import qr_frame

ROOT = Path(__file__).resolve().parents[3]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose (only its parent's wait is missing)
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")
ENV = os.environ | {"PYTHONPATH": str(ROOT)}


def qr_source(folder: Path, text: str = "GZZW-APP-7d3f9a61c2e84b0f") -> str:
    path = folder / "code.png"
    cv2.imwrite(str(path), qr_frame(text))
    return str(path)


def settings(source: str, folder: Path) -> dict:
    return {"backend": "emulator", "device": "", "width": 1280, "height": 720, "source": source,
            "cache_dir": str(folder / "camera")}


def wait_online(camera: CameraProcess, within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while camera.status.state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.05)
    assert camera.status.state is DeviceState.ONLINE


@pytest.fixture
def camera(tmp_path: Path):
    events: list[Event] = []
    cam = CameraProcess("camera", settings(qr_source(tmp_path), tmp_path), events.append, call_timeout_s=5.0)
    cam.events = events  # type: ignore[attr-defined]
    cam.start()
    wait_online(cam)
    yield cam
    cam.stop()


def test_pictures_and_codes_arrive_and_opencv_stays_in_the_child(tmp_path: Path) -> None:
    """As the kiosk starts it (the device spec), in a fresh interpreter: shots and codes, but no cv2 or NumPy."""
    script = textwrap.dedent(f"""
        import json, sys, time
        from pathlib import Path
        from drivers.camera.spec import CameraSection, start
        from drivers.registry import StartContext
        closers = []
        ctx = StartContext("camera", lambda event: None, Path({str(tmp_path)!r}), {{}}, closers)
        camera = start(CameraSection(backend="emulator", source={qr_source(tmp_path)!r}), ctx).driver
        deadline = time.monotonic() + 30
        while camera.status.state.value != "online" and time.monotonic() < deadline:
            time.sleep(0.05)
        shot = camera.document_shot(3.0)
        snap = camera.snapshot(3.0, 480)
        seq, texts = camera.decode_next(0, 3.0)
        out = {{"state": camera.status.state.value, "jpeg": shot.jpeg[:2].hex(), "issue": shot.issue,
               "snap": [snap.width, snap.height, snap.png[1:4].decode()], "texts": texts,
               "here": sorted(m for m in ("cv2", "numpy", "zxingcpp", "pyzbar") if m in sys.modules),
               "child": camera.pid}}
        for close in reversed(closers):
            close()
        print(json.dumps(out))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=ENV,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["state"] == "online" and out["jpeg"] == "ffd8"
    assert out["snap"] == [640, 480, "PNG"]
    assert out["texts"] == ["GZZW-APP-7d3f9a61c2e84b0f"]
    assert out["here"] == []  # the frames, OpenCV and the decoders live in the camera's process
    assert out["child"] and not alive(out["child"])  # stopped with the kiosk


def test_the_ui_side_of_the_camera_imports_no_opencv() -> None:
    """The journeys and services that use the camera, imported as the UI process does: OpenCV is not loaded."""
    modules = ("kiosk.journeys.identify", "kiosk.journeys.apply", "kiosk.journeys.apply_materials",
               "kiosk.journeys.technician.devices", "kiosk.services.materials", "drivers.camera.spec",
               "drivers.scanner.spec", "drivers.scanner.camera_scanner")
    script = ("import importlib, json, sys\n"
              f"for m in {modules!r}: importlib.import_module(m)\n"
              "print(json.dumps(sorted(m for m in ('cv2', 'numpy') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=ENV,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_killed_child_is_replaced_and_the_call_still_answered(camera: CameraProcess) -> None:
    first = camera.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    shot = camera.document_shot(3.0)
    assert isinstance(shot, DocumentShot) and shot.jpeg[:2] == b"\xff\xd8"
    assert camera.pid not in (None, first) and camera.starts >= 2 and not alive(first)


def test_a_hung_child_is_killed_and_replaced(camera: CameraProcess) -> None:
    camera._call_timeout_s = 1.0
    first = camera.pid
    assert first is not None
    os.kill(first, signal.SIGSTOP)  # alive, answering nothing
    try:
        seq, texts = camera.decode_next(0, 3.0)
    finally:
        if alive(first):
            os.kill(first, signal.SIGKILL)
    assert texts == ["GZZW-APP-7d3f9a61c2e84b0f"] and seq > 0
    assert camera.pid not in (None, first) and not alive(first)


def test_a_child_that_cannot_set_the_camera_up_is_a_hardware_error(tmp_path: Path) -> None:
    events: list[Event] = []
    broken = {"backend": "emulator"}  # no source, no cache folder: the child cannot build the camera
    cam = CameraProcess("camera", broken, events.append, poll_s=0.1).start()
    try:
        deadline = time.monotonic() + 30
        while cam.status.state is not DeviceState.HARDWARE_ERROR and time.monotonic() < deadline:
            time.sleep(0.05)
        changes = [e for e in events if isinstance(e, DeviceStatusChanged)]
    finally:
        cam.stop()
    assert changes and changes[-1].state is DeviceState.HARDWARE_ERROR
    assert "could not be set up: KeyError" in changes[-1].detail


def test_an_unreadable_source_is_reported_offline_by_the_childs_camera(tmp_path: Path) -> None:
    events: list[Event] = []
    cam = CameraProcess("camera", settings(str(tmp_path / "missing.png"), tmp_path), events.append,
                        poll_s=0.1).start()
    try:
        deadline = time.monotonic() + 30
        while not any(isinstance(e, DeviceStatusChanged) and e.detail for e in events) \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cam.status.state is DeviceState.OFFLINE and cam.status.detail == "camera missing"
    finally:
        cam.stop()


def test_a_stopped_camera_is_offline_and_its_child_gone(camera: CameraProcess) -> None:
    """As every device: a stopped driver never shows as online (drivers/reader.py ``DeviceThread``)."""
    child = camera.pid
    assert child is not None
    camera.stop()
    assert camera.status.state is DeviceState.OFFLINE and camera.status.detail == "stopped"
    assert camera.pid is None and not alive(child)
    changes = [e for e in camera.events if isinstance(e, DeviceStatusChanged)]  # type: ignore[attr-defined]
    assert changes[-1].state is DeviceState.OFFLINE and changes[-1].detail == "stopped"


def test_the_child_ends_with_its_parent(tmp_path: Path) -> None:
    """Parent killed with SIGKILL (no clean-up at all): the camera's process must not stay behind."""
    script = textwrap.dedent(f"""
        import time
        from drivers.camera.camera_process import CameraProcess
        cam = CameraProcess("camera", {settings(qr_source(tmp_path), tmp_path)!r}, lambda e: None).start()
        while cam.pid is None:
            time.sleep(0.05)
        print(cam.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()


FACES = ROOT / "assets" / "demo" / "faces"


def test_the_face_step_runs_in_the_child_and_sends_previews(tmp_path: Path) -> None:
    """The emulator's face clip, judged where the frames are: previews arrive, then the capture; no OpenCV here."""
    script = textwrap.dedent(f"""
        import json, sys, time
        from drivers.camera.camera_process import CameraProcess, EmulatedScenes
        settings = {settings("", tmp_path)!r}
        cam = CameraProcess("camera", settings, lambda e: None).start()
        try:
            EmulatedScenes(cam).present_face({str(FACES / "P002.jpg")!r})
            previews = []
            shot = cam.face_check(None, 60.0, lambda: False, previews.append)
            out = {{"jpeg": shot.jpeg[:2].hex(), "turn": shot.turn.value, "previews": len(previews),
                   "png": previews[0].png[1:4].decode() if previews else "",
                   "here": sorted(m for m in ("cv2", "numpy", "dlib") if m in sys.modules)}}
        finally:
            cam.stop()
        print(json.dumps(out))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=ENV,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["jpeg"] == "ffd8" and out["turn"] in ("left", "right")
    assert out["previews"] >= 1 and out["png"] == "PNG"
    assert out["here"] == []


def test_a_face_step_called_off_ends_and_the_camera_answers_again(camera: CameraProcess) -> None:
    from drivers.camera.results import FaceCancelled

    calls = {"n": 0}

    def called_off() -> bool:
        calls["n"] += 1
        return calls["n"] > 2  # the citizen leaves the face step after it began

    started = time.monotonic()
    with pytest.raises(FaceCancelled):
        camera.face_check(None, 30.0, called_off, lambda p: None)
    assert time.monotonic() - started < 10
    _seq, texts = camera.decode_next(0, 3.0)  # the next call gets its own reply, not a stale one
    assert texts == ["GZZW-APP-7d3f9a61c2e84b0f"]
