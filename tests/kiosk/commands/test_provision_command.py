"""``kiosk provision`` as a technician runs it: a subprocess, the PIN on stdin, JSON out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config
from kiosk.ops import pin as technician
from reference_platform.server import ServerHandle, serve_in_thread

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = serve_in_thread(tmp_path_factory.mktemp("platform") / "platform.db")
    yield handle
    handle.stop()


def kiosk(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    res = subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, env=env, input=stdin,
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in res.stderr, res.stderr
    return res


def issue_code(platform: ServerHandle) -> str:
    res = kiosk("platform", "enrol-code", "--db", platform.db_path, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)["code"]


def test_provision_twice_with_the_pin_on_stdin(platform: ServerHandle, tmp_path: Path) -> None:
    code = issue_code(platform)
    args = ["provision", "--platform", platform.url, "--enrol-code-file", "-", "--root", str(tmp_path),
            "--site-name", "越秀区政务服务中心", "--pin-stdin", "--json"]
    first = kiosk(*args, stdin=f"{code}\n24681357\n")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["status"] == "changed" and report["enrolment"] == "new"
    cfg = config.load(tmp_path / "etc/kiosk/kiosk.toml")
    assert cfg.kiosk.id == report["kiosk_id"] and technician.verify_pin("24681357", cfg.kiosk.technician_pin_hash)
    assert "24681357" not in (tmp_path / "etc/kiosk/kiosk.toml").read_text(encoding="utf-8")

    second = kiosk(*args, stdin=f"{code}\n24681357\n")
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["status"] == "unchanged" and again["enrolment"] == "kept"
    assert again["kiosk_id"] == report["kiosk_id"]

    text = kiosk(*args[:-1], stdin=f"{code}\n24681357\n")
    assert text.returncode == 0 and text.stdout.startswith(f"unchanged: kiosk {report['kiosk_id']}")


def test_exit_codes(platform: ServerHandle, tmp_path: Path) -> None:
    base = ["provision", "--platform", platform.url, "--root", str(tmp_path), "--site-name", "x"]
    refused = kiosk(*base, "--enrol-code-file", "-", "--json", stdin="WRONG-CODE\n")
    assert refused.returncode == 3 and json.loads(refused.stdout)["status"] == "failed"
    bad_pin = kiosk(*base, "--enrol-code-file", "-", "--pin-stdin", stdin=f"{issue_code(platform)}\n1234\n")
    assert bad_pin.returncode == 2 and "6 to 12 digits" in bad_pin.stderr
    bad_url = kiosk("provision", "--platform", "ftp://x", "--enrol-code-file", "-", "--root", str(tmp_path),
                    stdin="ABCD\n")
    assert bad_url.returncode == 2 and "http" in bad_url.stderr
    assert not (tmp_path / "etc").exists()


def test_the_enrolment_code_comes_from_a_file_never_the_command_line(platform: ServerHandle, tmp_path: Path) -> None:
    base = ["provision", "--platform", platform.url, "--root", str(tmp_path), "--site-name", "x", "--json"]
    on_the_line = kiosk(*base, "--enrol-code", issue_code(platform))
    assert on_the_line.returncode == 2 and "shown by ps" in on_the_line.stderr
    no_terminal = kiosk(*base, stdin="")
    assert no_terminal.returncode == 2 and "--enrol-code-file" in no_terminal.stderr
    code_file = tmp_path / "code.txt"
    code_file.write_text(issue_code(platform) + "\n", encoding="utf-8")
    from_file = kiosk(*base, "--enrol-code-file", str(code_file))
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["enrolment"] == "new"


def test_cleartext_http_only_to_loopback(tmp_path: Path) -> None:
    for url in ("http://zwfw.example.gov.cn/kiosk-api", "http://10.0.0.5:8000"):
        res = kiosk("provision", "--platform", url, "--enrol-code-file", "-", "--root", str(tmp_path),
                    "--site-name", "x", stdin="ABCD-EFGH\n")
        assert res.returncode == 2 and "cleartext" in res.stderr, res.stderr
    assert not (tmp_path / "etc").exists()


def test_enrol_code_command(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    res = kiosk("platform", "enrol-code", "--db", str(db), "--code", "HALL3-2026", "--valid-hours", "2")
    assert res.returncode == 0 and res.stdout.strip() == "HALL3-2026"
    bad = kiosk("platform", "enrol-code", "--db", str(db), "--valid-hours", "0")
    assert bad.returncode == 2 and "valid" in bad.stderr
