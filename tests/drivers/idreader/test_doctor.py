"""``kiosk doctor idreader`` in a subprocess against the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from drivers.idreader.emulator import Fault, IdReaderEmulator
from drivers.idreader.frame import CMD_READ, CMD_SELECT
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
    assert (out["state"], out["media"], out["last_error"]) == ("online", "present", "")
    assert out["counters"] == {"bad_frames": 0, "bad_checksums": 0, "retries": 0, "timeouts": 0,
                               "stale_replies": 0, "skipped_bytes": 0}
    assert "11010519491231002X" not in done.stdout + done.stderr
    assert "张三" not in done.stdout + done.stderr


def test_doctor_fails_clearly_without_device_or_card(tmp_path):
    done = _doctor(str(tmp_path / "absent"), "--timeout", "0.3")
    out = json.loads(done.stdout)
    assert done.returncode == 3 and (out["state"], out["media"]) == ("offline", None) and "absent" in out["last_error"]
    emu = IdReaderEmulator().start()
    try:
        done = _doctor(emu.port, "--timeout", "0.5", "--sam-margin", "0.2")
    finally:
        emu.stop()
    out = json.loads(done.stdout)
    assert done.returncode == 4 and (out["state"], out["media"]) == ("online", "absent")


def test_doctor_says_user_error_for_a_card_that_will_not_read_and_counts_bad_frames():
    emu = IdReaderEmulator().start()
    try:
        emu.insert(SAMPLE_CARDS["resident"])
        emu.inject_fault(Fault.BAD_CHECKSUM, 1, on=CMD_SELECT)
        emu.inject_fault(Fault.READ_FAIL, 100_000, on=CMD_READ)
        done = _doctor(emu.port, "--timeout", "1", "--sam-margin", "0.2")
    finally:
        emu.stop()
    out = json.loads(done.stdout)
    assert done.returncode == 6 and (out["state"], out["media"]) == ("user_error", "present")
    assert "read failed" in out["last_error"]
    assert out["counters"]["bad_checksums"] == 1 and out["counters"]["retries"] == 1


def test_doctor_says_hardware_error_when_the_sam_is_slower_than_the_margin():
    emu = IdReaderEmulator(read_delay=0.8).start()
    try:
        emu.insert(SAMPLE_CARDS["resident"])
        slow = _doctor(emu.port, "--timeout", "1.5", "--sam-margin", "0.2")
        fine = _doctor(emu.port, "--timeout", "5", "--sam-margin", "1.5")
    finally:
        emu.stop()
    out = json.loads(slow.stdout)
    assert slow.returncode == 5 and (out["state"], out["media"]) == ("hardware_error", "present")
    assert "read timeout" in out["last_error"] and out["counters"]["timeouts"] >= 1
    assert fine.returncode == 0 and json.loads(fine.stdout)["counters"]["timeouts"] == 0


def test_doctor_takes_the_sam_margin_from_the_config(tmp_path):
    emu = IdReaderEmulator(read_delay=0.8).start()
    try:
        emu.insert(SAMPLE_CARDS["resident"])
        results = {}
        for margin in ("0.2", "1.5"):
            cfg = tmp_path / f"kiosk-{margin}.toml"
            cfg.write_text(f"[devices.idreader]\nbackend = \"serial\"\nsam_margin_s = {margin}\n", encoding="utf-8")
            results[margin] = subprocess.run(
                [str(KIOSK), "--config", str(cfg), "doctor", "idreader", "--port", emu.port, "--timeout", "2.5",
                 "--json"], capture_output=True, text=True, timeout=60)
    finally:
        emu.stop()
    assert json.loads(results["0.2"].stdout)["state"] == "hardware_error"
    assert results["1.5"].returncode == 0, results["1.5"].stdout + results["1.5"].stderr
