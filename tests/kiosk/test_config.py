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


# -- drop-ins (config.d) ------------------------------------------------------------------------
def _with_state(tmp_path: Path, body: str = "") -> Path:
    state = tmp_path / "state"
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[kiosk]\nstate_dir = "{state}"\nscreen_timeout_s = 90\n{body}', encoding="utf-8")
    return path


def test_dropins_override_the_file_in_name_order(tmp_path) -> None:
    from kiosk import config

    path = _with_state(tmp_path)
    folder = tmp_path / "state" / config.DROPIN_DIR
    folder.mkdir(parents=True)
    (folder / "10-a.toml").write_text("[kiosk]\nscreen_timeout_s = 100\nelder_mode_default = true\n")
    (folder / "20-b.toml").write_text("[kiosk]\nscreen_timeout_s = 120\n")
    (folder / ".30-c.toml.part").write_text("[kiosk]\nscreen_timeout_s = 5\n")  # half written: never read
    cfg = config.load(path)
    assert cfg.kiosk.screen_timeout_s == 120 and cfg.kiosk.elder_mode_default is True
    assert cfg.source == str(path)


def test_a_bad_dropin_is_named_and_a_forbidden_key_refused(tmp_path) -> None:
    from kiosk import config

    path = _with_state(tmp_path)
    folder = tmp_path / "state" / config.DROPIN_DIR
    folder.mkdir(parents=True)
    bad = folder / "50-remote.toml"
    bad.write_text("[kiosk]\nscreen_timeout_s = 5\n")
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert err.value.path == str(bad) and "kiosk.screen_timeout_s" in str(err.value)
    bad.write_text('[platform]\nurl = "http://elsewhere"\n[kiosk]\nstate_dir = "/tmp/x"\n')
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    assert {p.split(":")[0] for p in err.value.problems} == {"kiosk.state_dir", "platform"}
