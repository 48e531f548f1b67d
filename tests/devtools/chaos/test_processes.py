"""The fork server's children: a real platform process that says when it listens and dies by SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devtools.chaos.acks import aim_next_visit, take_next_visit
from devtools.chaos.processes import Forker


def wait_for_file(path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


@pytest.mark.timeout(400)
def test_a_forked_platform_listens_is_killed_and_restarts_on_its_database(tmp_path):
    forker = Forker()
    forker.warm(300)
    db, url_file, log = tmp_path / "p.sqlite3", tmp_path / "url", tmp_path / "platform.log"
    argv = ["--db", str(db), "--url-file", str(url_file)]
    first = forker.platform(argv, log)
    try:
        url = wait_for_file(url_file, 60)
        with urllib.request.urlopen(url + "/openapi.json", timeout=10) as resp:
            assert resp.status == 200
        first.kill()
        assert first.wait(10) == -signal.SIGKILL
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/openapi.json", timeout=2)
        url_file.unlink()
        second = forker.platform(argv, log)
        try:
            again = wait_for_file(url_file, 60)
            with urllib.request.urlopen(again + "/openapi.json", timeout=10) as resp:
                assert resp.status == 200
            assert second.pid != first.pid
        finally:
            second.kill()
            second.wait(10)
    finally:
        first.kill()
    assert "listening on" in log.read_text()


HARNESS = """
import sys, time
from multiprocessing import forkserver
from pathlib import Path
from devtools.chaos.processes import Forker

folder = Path(sys.argv[1])
forker = Forker()
forker.warm(300)
child = forker.platform(["--db", str(folder / "p.sqlite3"), "--url-file", str(folder / "url")], folder / "log")
(folder / "pids").write_text(f"{forkserver._forkserver._forkserver_pid} {child.pid}")
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has died


@pytest.mark.timeout(400)
def test_a_killed_harness_takes_the_fork_server_and_its_children_with_it(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    harness = subprocess.Popen([sys.executable, "-c", HARNESS, str(tmp_path)], env=env)
    try:
        server, child = (int(p) for p in wait_for_file(tmp_path / "pids", 300).split())
        wait_for_file(tmp_path / "url", 60)  # the platform is up
    finally:
        harness.kill()
        harness.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (_alive(server) or _alive(child)):
        time.sleep(0.1)
    left = [pid for pid in (server, child) if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "the fork server or its child outlived the killed harness"


def test_the_aimed_visit_is_taken_once(tmp_path):
    assert take_next_visit(tmp_path) is None
    aim_next_visit(tmp_path, "pay")
    assert take_next_visit(tmp_path) == "pay"
    assert take_next_visit(tmp_path) is None
    aim_next_visit(tmp_path, "apply")
    aim_next_visit(tmp_path, None)
    assert take_next_visit(tmp_path) is None
