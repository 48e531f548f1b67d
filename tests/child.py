"""A Python snippet run in a fresh interpreter: what a process imports or holds, seen from outside it.

Tests of "this never loads NumPy" or "this does not raise the peak" cannot run in the test
process, which has imported everything already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def python_json(script: str, timeout_s: float = 120) -> Any:
    """Run ``script`` with the project on its path; the JSON it printed last."""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout_s, env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


THREAD_INSIDE_OPENCV = """
import threading, time
import cv2, numpy as np
frame = np.zeros((720, 1280, 3), np.uint8)
def inside_opencv():
    while True:
        cv2.resize(frame, (640, 360), interpolation=cv2.INTER_AREA)
threading.Thread(target=inside_opencv, daemon=True).start()
time.sleep(0.3)
"""
"""A snippet's opening: a daemon thread busy inside OpenCV's C++ code (a capture, the face models
loading), which Python's interpreter teardown ends with an abort (SIGABRT)."""
