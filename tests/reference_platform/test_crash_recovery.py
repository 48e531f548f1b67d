"""A platform process killed in the middle of a state-changing request: the retry with the same
Idempotency-Key is not stuck "in progress", runs once and is then replayed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from kiosk.platform.contract import paths
from kiosk.platform.process import free_port
from reference_platform.security import FAULT_COMMIT_DELAY_ENV

from .helpers import Signed

REPO = Path(__file__).resolve().parents[2]


def _start(db: Path, log: Path, env_extra: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, **env_extra)
    cmd = [sys.executable, "-m", "kiosk", "platform", "serve", "--demo", "--always-open",
           "--host", "127.0.0.1", "--port", str(port), "--db", str(db)]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(url + "/openapi.json", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("the platform did not start")


def _help_calls(db: Path, note: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM help_calls WHERE note = ?", (note,)).fetchone()[0]


def test_a_request_killed_before_its_commit_runs_once_when_retried(tmp_path: Path) -> None:
    db, log = tmp_path / "platform.db", tmp_path / "platform.log"
    body = {"reason": "question", "screen": "home", "note": "killed-mid-request"}
    proc, url = _start(db, log, {FAULT_COMMIT_DELAY_ENV: "60"})
    try:
        outcome: list[object] = []

        def first() -> None:
            try:
                outcome.append(Signed(url).post(paths.HELP_CALLS, body, key="help-killed").status_code)
            except Exception as exc:  # the platform dies under it
                outcome.append(exc)

        sender = threading.Thread(target=first)
        sender.start()
        deadline = time.monotonic() + 30
        while b"holding the request transaction open" not in log.read_bytes():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert _help_calls(db, body["note"]) == 0, "nothing is visible before the commit"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        sender.join(30)
        assert outcome and isinstance(outcome[0], Exception), outcome
    finally:
        if proc.poll() is None:
            proc.kill()
    proc, url = _start(db, log, {})
    try:
        kiosk = Signed(url)
        retried = kiosk.post(paths.HELP_CALLS, body, key="help-killed")
        assert retried.status_code == 201, retried.text
        assert "Idempotent-Replayed" not in retried.headers
        again = kiosk.post(paths.HELP_CALLS, body, key="help-killed")
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["call_id"] == retried.json()["call_id"]
        assert _help_calls(db, body["note"]) == 1
    finally:
        proc.terminate()
        proc.wait(10)
