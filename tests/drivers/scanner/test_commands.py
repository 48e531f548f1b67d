"""``kiosk doctor scanner`` against the emulator, and ``kiosk bench qr`` on a generated folder."""

from __future__ import annotations

import json
import threading

import pytest
import qrcode

from drivers.scanner.emulator import ScannerEmulator
from kiosk.cli import main


def test_doctor_prints_a_masked_payment_code(capsys: pytest.CaptureFixture[str]) -> None:
    emu = ScannerEmulator(framing="crlf").start()
    done = threading.Event()

    def citizen() -> None:  # scans again until the doctor has the port open and reads it
        while not done.wait(0.3):
            emu.scan("134567890123456789")

    helper = threading.Thread(target=citizen)
    helper.start()
    try:
        rc = main(["doctor", "scanner", "--port", emu.port, "--timeout", "5", "--json"])
    finally:
        done.set()
        helper.join()
        emu.stop()
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out == {"ok": True, "state": "online", "media": None, "last_error": "",
                   "code": "**************6789", "kind": "wechat_pay", "length": 18}


def test_doctor_times_out_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    emu = ScannerEmulator().start()
    try:
        rc = main(["doctor", "scanner", "--port", emu.port, "--timeout", "0.2", "--json"])
    finally:
        emu.stop()
    out = json.loads(capsys.readouterr().out)
    assert rc == 4 and out["state"] == "online" and "no code scanned" in out["last_error"]


def test_doctor_missing_port(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "scanner", "--port", str(tmp_path / "x"), "--timeout", "0.1", "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert (out["ok"], out["state"]) == (False, "offline") and "cannot read" in out["last_error"]


def test_bench_qr_on_a_tiny_folder(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    sub = tmp_path / "set-1"
    sub.mkdir()
    for n, text in enumerate(["365021", "GZZW-APP-7d3f9a61c2e84b0f", "政务服务\r\n"], start=1):
        qrcode.make(text).save(sub / f"{n}.png")
        (sub / f"{n}.txt").write_bytes(text.encode())
    (sub / "1.metadata.txt").write_text("SYMBOLOGY_IDENTIFIER=]Q1")
    assert main(["bench", "qr", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["attempts"] == 12
    assert set(report["decoders"]) == {"kiosk", "zxing-cpp", "pyzbar", "opencv"}
    assert report["decoders"]["kiosk"]["decoded"] == 12
    assert report["decoders"]["kiosk"]["total"] == 12
    # clean codes: zxing-cpp reads them all too, so the kiosk does not beat the baseline here
    assert report["vs_baseline"] == {"baseline": "zxing-cpp", "decoded_more": 0, "median_budget_ms": 2.0,
                                     "ok": False}


def test_bench_qr_empty_folder_fails(tmp_path) -> None:
    assert main(["bench", "qr", str(tmp_path), "--json"]) == 2
