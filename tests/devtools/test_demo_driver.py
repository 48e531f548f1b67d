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


def test_the_phone_decodes_the_screens_qr_code_in_a_process_of_its_own() -> None:
    """The citizen's phone (the ``pay_qr`` step) reads the code; OpenCV and zxing-cpp stay out of the kiosk."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_NO_CONSOLELOG="1")
    code = ("import io, json, sys, qrcode; from devtools.demo_driver import phone_decode; "
            "png = io.BytesIO(); qrcode.make('https://pay.example/p/42').save(png, format='PNG'); "
            "texts = phone_decode(png.getvalue()); "
            "print(json.dumps([texts, sorted(m for m in ('cv2', 'zxingcpp', 'pyzbar') if m in sys.modules)]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [["https://pay.example/p/42"], []]
