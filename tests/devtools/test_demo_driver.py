"""The demo driver adds no test framework to the kiosk process it drives (``visit_soak`` measures that process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_demo_driver_imports_neither_pytest_nor_unittest() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1")
    code = ("import json, sys, devtools.demo_driver; "
            "print(json.dumps(sorted(m for m in ('pytest', '_pytest', 'unittest') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
