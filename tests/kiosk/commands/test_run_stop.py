"""``kiosk run`` under a service manager: READY=1 once the attract screen is drawn and warmed, and on SIGTERM
STOPPING=1 at once and a clean exit 0 within the stop deadline.

The notify socket is a datagram socket this test binds, standing in for systemd's; the
deadline is a functional requirement (a restart or an update must not wait on the kiosk),
measured from the signal to the process's exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STOP_DEADLINE_S = 2.0
"""From SIGTERM to exit; systemd's TimeoutStopSec is far above it, an update's reboot waits on it."""


def demo_config(tmp: Path) -> Path:
    cfg = tmp / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nstate_dir = "{tmp / "state"}"\n[speech]\nenabled = false\n[metrics]\nenabled = false\n'
                   '[display]\nfullscreen = false\nwidth = 540\nheight = 960\n', encoding="utf-8")
    return cfg


def messages(sock: socket.socket, until: str, proc: subprocess.Popen, log: Path, timeout: float) -> list[str]:
    """Notifications received until one has ``until`` (or the process ended / time ran out)."""
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(0.1)
        try:
            got.extend(sock.recv(4096).decode().split("\n"))
        except TimeoutError:
            if proc.poll() is not None:
                break
            continue
        if until in got:
            break
    assert until in got, f"no {until} in {got}: " + log.read_text(errors="replace")[-3000:]
    return got


@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display (xvfb-run)")
def test_sigterm_notifies_stopping_and_exits_0_within_the_deadline(tmp_path: Path) -> None:
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    log = tmp_path / "kiosk.log"
    env = {**os.environ, "NOTIFY_SOCKET": str(sock_path), "KIVY_HOME": str(tmp_path / "kivy"),
           "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1"}
    env.pop("KIOSK_CONFIG", None)
    with log.open("wb") as out:
        argv = [sys.executable, "-m", "kiosk", "run", "--demo", "--config", str(demo_config(tmp_path))]
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        started = messages(sock, "READY=1", proc, log, timeout=120)
        # systemd arms the watchdog at READY: the first frame and the warm-ups (logged) come before it.
        warmed_before_ready = "fonts ready in" in log.read_text(errors="replace")
        time.sleep(1.0)  # the first heartbeat and announcements are out: a kiosk at work, not one starting
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        stopping = messages(sock, "STOPPING=1", proc, log, timeout=5)
        proc.wait(30)
        took = time.monotonic() - sent
    finally:
        proc.kill()
        sock.close()
    text = log.read_text(errors="replace")
    assert warmed_before_ready, "READY=1 before the warm-up ran: " + text[-3000:]
    assert started.index("STATUS=starting: drawing the attract screen") < started.index("READY=1")
    assert "STOPPING=1" in stopping
    assert proc.returncode == 0, text[-3000:]
    assert took < STOP_DEADLINE_S, f"stopped in {took:.2f} s: " + text[-3000:]
    assert "Traceback" not in text, text
