"""``kiosk doctor all``: every configured device started as the kiosk starts it, each one's state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.devices.board import DEVICE_NAMES


def test_all_emulators_come_online(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[devices.a4printer]\nbackend = "none"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "doctor", "all", "--json", "--timeout", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    states = {d["device"]: (d["backend"], d["state"]) for d in report["devices"]}
    assert report["ok"] is True and list(states) == list(DEVICE_NAMES)
    assert states.pop("a4printer") == ("none", "offline")
    assert set(states.values()) == {("emulator", "online")}


def test_a_device_that_stays_offline_fails_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[devices.idreader]\nbackend = "serial"\nport = "{tmp_path / "absent"}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "doctor", "all", "--timeout", "0.5"]) == 1
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["idreader"].split()[1:] == ["serial", "offline", "(port", "missing)"]


def test_a_broken_config_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[devices.camera]\nbackend = "webcam"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "doctor", "all"]) == 2
    assert "devices.camera.backend" in capsys.readouterr().err


def test_all_json_gives_every_device_its_state_media_and_last_error(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[devices.idreader]\nbackend = "serial"\nport = "{tmp_path / "absent"}"\n'
                   '[devices.a4printer]\nbackend = "none"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "doctor", "all", "--json", "--timeout", "3"]) == 1
    report = json.loads(capsys.readouterr().out)
    rows = {d["device"]: d for d in report["devices"]}
    assert list(rows) == list(DEVICE_NAMES)
    states = {"online", "offline", "busy", "hardware_error", "user_error"}
    for row in rows.values():
        assert {"state", "media", "last_error"} <= set(row) and row["state"] in states
    assert (rows["idreader"]["state"], rows["idreader"]["last_error"]) == ("offline", "port missing")
    assert rows["printer"]["state"] == "online" and rows["printer"]["media"] == "ok"
    assert rows["printer"]["last_error"] == ""
