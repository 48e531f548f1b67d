"""``kiosk doctor idreader`` in a subprocess against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from drivers.idreader.emulator import IdReaderEmulator
from drivers.idreader.sample_cards import SAMPLE_CARDS

KIOSK = Path(sys.prefix) / "bin" / "kiosk"


def _doctor(port: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(KIOSK), "doctor", "idreader", "--port", port, "--read-once", "--json", *extra],
                          capture_output=True, text=True, timeout=60)


def test_doctor_prints_masked_card():
    emu = IdReaderEmulator().start()
    try:
        emu.insert(SAMPLE_CARDS["resident"])
        done = _doctor(emu.port)
    finally:
        emu.stop()
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["card"]["id_number"] == "110105********002X"
    assert out["card_type"] == "resident" and out["read_ms"] > 0
    assert "11010519491231002X" not in done.stdout + done.stderr
    assert "张三" not in done.stdout + done.stderr


def test_doctor_fails_clearly_without_device_or_card(tmp_path):
    done = _doctor(str(tmp_path / "absent"), "--timeout", "0.3")
    assert done.returncode != 0 and json.loads(done.stdout)["error"] == "no_device"
    emu = IdReaderEmulator().start()
    try:
        done = _doctor(emu.port, "--timeout", "0.5")
    finally:
        emu.stop()
    assert done.returncode != 0 and json.loads(done.stdout)["error"] == "no_card"
