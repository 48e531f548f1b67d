"""A broken configuration file is refused with the file, the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load, parse


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_file_loads(tmp_path: Path) -> None:
    p = _write(tmp_path, '[kiosk]\nid = "k-7"\n[platform]\nurl = "https://gov.example/"\nread_timeout_s = 5\n')
    cfg = load(p)
    assert cfg.kiosk.id == "k-7" and cfg.platform.url == "https://gov.example" and cfg.platform.read_timeout_s == 5
    assert cfg.source == str(p) and not cfg.demo


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "[kiosk\nid = 1\n")
    with pytest.raises(ConfigError) as err:
        load(p)
    assert str(p) in str(err.value) and "not valid TOML" in str(err.value)


@pytest.mark.parametrize(
    ("text", "key", "hint"),
    [
        ("[platform]\nconect_timeout_s = 3\n", "platform.conect_timeout_s", "unknown key"),
        ("[devices.printer]\nbackend = \"laser\"\n", "devices.printer.backend", "must be one of"),
        ("[platform]\nread_timeout_s = 500\n", "platform.read_timeout_s", "500"),
        ("[platform]\nurl = \"ftp://x\"\n", "platform.url", "http://"),
        ("[kiosk]\ntimezone = \"China/Beijing\"\n", "kiosk.timezone", "unknown time zone"),
    ],
)
def test_bad_value_names_file_and_key(text: str, key: str, hint: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(text, "/etc/kiosk/kiosk.toml")
    msg = str(err.value)
    assert msg.startswith("/etc/kiosk/kiosk.toml: ") and key in msg and hint in msg


def test_missing_explicit_file_is_an_error_not_demo_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path / "absent.toml")
    assert "file not found" in str(err.value) and "absent.toml" in str(err.value)
