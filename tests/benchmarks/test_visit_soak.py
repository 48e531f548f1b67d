"""visit_soak's processes leave nothing behind: a kiosk's state is a journal and session folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kiosk.platform.process import serve_in_process

ROOT = Path(__file__).resolve().parents[2]


def test_each_side_removes_its_folders_when_it_ends(tmp_path: Path) -> None:
    platform = serve_in_process(tmp_path / "platform.sqlite3", always_open=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"} | {"TMPDIR": str(scratch),
                                                                       "PYTHONPATH": str(ROOT)}
    try:
        for role in ("bare", "kiosk"):
            done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "visit_soak.py"), "--role", role,
                                   "--visits", "0", "--platform", platform.url, "--launched", repr(time.time())],
                                  capture_output=True, text=True, env=env, timeout=180, cwd=ROOT)
            assert done.returncode == 0, done.stderr[-1500:]
            assert json.loads(done.stdout.strip().splitlines()[-1])["first_frame_s"] > 0
            assert not [p.name for p in scratch.iterdir() if p.name.startswith("kiosk-")], role
    finally:
        platform.stop()
