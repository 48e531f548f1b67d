"""``kiosk selfcheck`` end to end: real files, a real listening socket, a real closed port."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from kiosk.commands.selfcheck import check_clock

ROOT = Path(__file__).resolve().parents[3]


def _selfcheck(cfg: Path, *extra: str) -> tuple[int, dict]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    res = subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "selfcheck", "--json", *extra],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in res.stderr
    return res.returncode, json.loads(res.stdout)


def _write(tmp: Path, url: str, idreader: Path) -> Path:
    cfg = tmp / "kiosk.toml"
    secret = tmp / "secret"
    secret.write_bytes(b"k" * 32)
    absent = "".join(f'[devices.{n}]\nbackend = "none"\n' for n in ("scanner", "printer", "a4printer", "camera"))
    cfg.write_text(
        f'[kiosk]\nstate_dir = "{tmp / "state"}"\nsecret_file = "{secret}"\n'
        f'[platform]\nurl = "{url}"\nconnect_timeout_s = 2\n'
        f'[devices.idreader]\nbackend = "serial"\nport = "{idreader}"\n{absent}',
        encoding="utf-8")
    return cfg


def test_all_good(tmp_path: Path) -> None:
    dev = tmp_path / "idreader"
    dev.touch()
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        rc, out = _selfcheck(_write(tmp_path, f"http://127.0.0.1:{port}", dev), "--min-free-mb", "1")
    assert rc == 0, out
    checks = {c["check"]: c["status"] for c in out["checks"]}
    assert checks["platform"] == "ok" and checks["device:idreader"] == "ok" and checks["disk"] == "ok"
    assert checks["config"] == "ok"
    assert out["ok"] is True


def test_a_demo_fallback_fails_the_check(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    rc, out = _selfcheck(cfg, "--min-free-mb", "1")
    config_check = next(c for c in out["checks"] if c["check"] == "config")
    assert rc == 1 and config_check["status"] == "fail"
    assert "platform.url" in config_check["detail"] and "devices.printer.backend" in config_check["detail"]


def test_unreachable_platform_and_missing_device_fail(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc, out = _selfcheck(_write(tmp_path, f"http://127.0.0.1:{port}", tmp_path / "absent"), "--min-free-mb", "1")
    assert rc == 1
    checks = {c["check"]: c for c in out["checks"]}
    assert checks["platform"]["status"] == "fail"
    assert checks["device:idreader"]["status"] == "fail" and "absent" in checks["device:idreader"]["detail"]


def test_disk_threshold(tmp_path: Path) -> None:
    rc, out = _selfcheck(_write(tmp_path, "", tmp_path), "--min-free-mb", str(10**12))
    assert rc == 1
    assert [c["status"] for c in out["checks"] if c["check"] == "disk"] == ["fail"]


def test_broken_config_is_reported_not_crashed(tmp_path: Path) -> None:
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text("[kiosk]\nscreen_timeout_s = 5\n", encoding="utf-8")
    rc, out = _selfcheck(cfg)
    assert rc == 2 and "screen_timeout_s" in out["error"]


def test_clock() -> None:
    assert check_clock(dt.datetime(2001, 1, 1, tzinfo=dt.UTC), True)["status"] == "fail"
    assert check_clock(dt.datetime(2027, 3, 1, tzinfo=dt.UTC), False)["status"] == "warn"
    assert check_clock(dt.datetime(2027, 3, 1, tzinfo=dt.UTC), None)["status"] == "ok"
