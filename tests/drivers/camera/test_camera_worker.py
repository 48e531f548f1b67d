"""The camera's child process ends cleanly even with a thread still inside C++ code."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.child import THREAD_INSIDE_OPENCV

ROOT = Path(__file__).resolve().parents[3]


def test_the_child_ends_cleanly_when_the_parent_goes_while_a_thread_is_inside_opencv(tmp_path: Path) -> None:
    # As the face models' loading thread inside dlib: with Python's teardown after `serve`
    # this child died of SIGABRT ("terminate called without an active exception") in most runs.
    script = tmp_path / "child.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n" + THREAD_INSIDE_OPENCV
                      + "from drivers.camera import camera_worker\ncamera_worker.main(sys.argv)\n", "utf-8")
    for _ in range(3):
        ours, theirs = socket.socketpair()
        child = subprocess.Popen([sys.executable, str(script), str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                                 stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        theirs.close()
        ours.close()  # the kiosk went away before sending the settings
        _, err = child.communicate(timeout=60)
        assert child.returncode == 0, err[-500:]
        assert "terminate called" not in err


def test_a_failure_inside_the_child_is_reported_and_ends_it_with_an_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "drivers.camera.camera_worker", "not-a-descriptor"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ValueError" in done.stderr
