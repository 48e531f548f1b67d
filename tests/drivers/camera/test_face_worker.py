"""The face models in a child process: same answers as in-process, restarted after a crash, no orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera import face_model
from drivers.camera.face_model import FaceModels, FaceModelsUnavailable, face_models
from drivers.camera.face_worker import FaceWorker

FACES = Path(__file__).resolve().parents[3] / "benchmarks" / "data" / "faces"
ROOT = Path(__file__).resolve().parents[3]


def photo(name: str) -> np.ndarray:
    image = cv2.imread(str(FACES / f"{name}.jpg"))
    assert image is not None
    return image


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose (only its parent's wait is missing)
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.fixture
def worker():
    w = FaceWorker()
    yield w
    w.stop()


def test_the_child_finds_and_describes_the_same_faces_as_in_process(worker: FaceWorker) -> None:
    image = photo("obama-0")
    local = FaceModels()
    mine, theirs = local.find(image, upsample=1), worker.find(image, upsample=1)
    assert len(theirs) == len(mine) == 1
    assert theirs[0].box == mine[0].box
    np.testing.assert_allclose(theirs[0].landmarks, mine[0].landmarks)
    np.testing.assert_allclose(worker.embed(image, theirs[0]), local.embed(image, mine[0]), atol=1e-5)
    assert worker.find(np.full((120, 160, 3), 128, np.uint8)) == []
    assert "dlib" not in sys.modules or worker.pid != os.getpid()


def test_a_child_started_from_a_passing_thread_outlives_that_thread(worker: FaceWorker) -> None:
    """The camera starts it from a short-lived thread; the face step calls from others."""
    import threading

    starter = threading.Thread(target=worker.start)
    starter.start()
    starter.join()
    pid = worker.pid
    time.sleep(1.0)
    assert pid is not None and alive(pid)
    assert len(worker.find(photo("obama-0"), upsample=1)) == 1
    assert worker.pid == pid and worker.starts == 1


def test_a_killed_child_is_replaced_by_the_next_call(worker: FaceWorker) -> None:
    worker.start()
    first = worker.pid
    assert first is not None and alive(first)
    os.kill(first, signal.SIGKILL)
    time.sleep(0.2)
    assert len(worker.find(photo("obama-0"), upsample=1)) == 1
    assert worker.pid not in (None, first) and worker.starts == 2


def test_a_hung_child_is_killed_and_replaced(worker: FaceWorker) -> None:
    worker.start()
    first = worker.pid
    assert first is not None
    os.kill(first, signal.SIGSTOP)  # answers nothing from now on
    worker._call_timeout_s = 1.0
    try:
        assert len(worker.find(photo("obama-0"), upsample=1)) == 1
    finally:
        if alive(first):
            os.kill(first, signal.SIGKILL)
    assert worker.pid != first and not alive(first)


def test_bad_input_is_the_callers_error_and_keeps_the_child(worker: FaceWorker) -> None:
    worker.start()
    pid = worker.pid
    with pytest.raises(RuntimeError):
        worker.find(np.zeros((10, 10, 5), np.uint8))
    assert worker.pid == pid and worker.starts == 1


def test_a_child_that_cannot_load_the_models_says_so(worker: FaceWorker, monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "dlib.py").write_text("raise ImportError('dlib is broken here')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(FaceModelsUnavailable, match="dlib is broken here"):
        worker.find(photo("obama-0"))
    assert worker.pid is None


def test_a_child_that_does_not_load_in_time_is_given_up(worker: FaceWorker) -> None:
    worker._load_timeout_s = 0.01  # gives up before the models can have loaded
    with pytest.raises(FaceModelsUnavailable, match="not loaded"):
        worker.start()
    assert worker.pid is None


def test_the_child_ends_with_its_parent(tmp_path: Path) -> None:
    """Parent killed with SIGKILL (no clean-up at all): the child must not stay behind."""
    script = textwrap.dedent("""
        import sys, time
        from drivers.camera.face_worker import FaceWorker
        w = FaceWorker(); w.start(); print(w.pid, flush=True); time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env=os.environ | {"PYTHONPATH": str(ROOT)})
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_installed_worker_answers_face_models(worker: FaceWorker) -> None:
    face_model.install(worker)
    try:
        assert face_models() is worker
        assert len(face_models().find(photo("obama-0"), upsample=1)) == 1
    finally:
        face_model.install(None)
    assert isinstance(face_models(), FaceModels)


def test_a_process_that_holds_the_models_already_keeps_them(monkeypatch) -> None:
    """A chaos fork server's kiosks share the models it loaded: no child each."""
    from drivers.camera import face_worker

    monkeypatch.setattr(face_worker, "_SHARED", None)
    face_models()  # loaded in this process (nothing installed)
    assert face_worker.shared_worker() is None and face_worker._SHARED is None


def test_the_model_files_are_found_without_importing_their_package() -> None:
    """That package's __init__ imports pkg_resources (~10 MB) only to name the files."""
    script = ("import sys; from drivers.camera.face_model import FaceModels; FaceModels(); "
              "print('face_recognition_models' in sys.modules, 'pkg_resources' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                         env=os.environ | {"PYTHONPATH": str(ROOT)}).stdout.split()
    assert out == ["False", "False"]


def test_a_missing_model_file_is_reported(monkeypatch) -> None:
    with pytest.raises(FaceModelsUnavailable, match="missing"):
        face_model.model_file("no-such-model.dat")
