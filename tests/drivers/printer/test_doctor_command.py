"""``kiosk doctor printer`` and ``kiosk emulate printer`` wiring, against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.printer.emulator import PrinterEmulator
from kiosk.cli import main

from .helpers import decode_qr


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text("[devices.printer]\nbackend = \"serial\"\npaper_width_dots = 384\n", encoding="utf-8")
    return str(path)


def test_test_page_over_pty(cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with PrinterEmulator("pty", width=384, out_dir=tmp_path / "out") as emu:
        rc = main(["--config", cfg, "doctor", "printer", "--port", emu.port, "--test-page", "--json"])
        report = json.loads(capsys.readouterr().out)
        pages = emu.wait_pages(1)
    assert rc == 0
    assert report["before"]["state"] == "online" and report["after"]["state"] == "online"
    assert report["printed"] is True and report["paper_width_dots"] == 384
    assert pages[0].width == 384
    assert decode_qr(pages[0])[0].startswith("KIOSK-PRINTER-TEST")


def test_paper_out_refuses_with_nonzero_exit(cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    with PrinterEmulator("tcp", tcp_port=0, status="out") as emu:
        rc = main(["--config", cfg, "doctor", "printer", "--host", emu.host, "--tcp-port", str(emu.tcp_port),
                   "--test-page", "--json"])
        out = capsys.readouterr()
        assert not emu.pages
    report = json.loads(out.out)
    assert rc == 1
    assert report["printed"] is False
    assert report["before"]["media"] == "out" and report["before"]["reason"] == "paper_out"
    assert "refusing to print" in out.err


def test_absent_printer_reports_offline(cfg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["--config", cfg, "doctor", "printer", "--port", str(tmp_path / "nothing")])
    assert rc == 1
    out = capsys.readouterr().out
    assert "offline" in out and "connection:" in out


def test_emulator_without_physical_printer_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "k.toml"
    path.write_text("", encoding="utf-8")
    assert main(["--config", str(path), "doctor", "printer"]) == 2
    assert "--port" in capsys.readouterr().err
