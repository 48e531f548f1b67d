"""The reference platform as a child process on a free loopback port.

A kiosk in demo mode (``kiosk run`` and ``kiosk demo`` with no platform URL) talks to
the reference platform like to any other: over HTTP, and in another process. Running
it on a thread of the kiosk instead would put every request's FastAPI, pydantic and
SQLite work under the kiosk's GIL and its objects into the kiosk's heap, so the UI
would pay for the platform in its frames and its garbage collections — a cost no real
kiosk has. Tests keep the thread (``reference_platform.server.serve_in_thread``): faster
to start, and their frames are not measured.

The child dies with its parent (``PR_SET_PDEATHSIG``) so a killed kiosk leaves no
platform behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_S = 60.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


PLATFORM_NICE = 10
"""The stand-in platform yields the CPU to the kiosk's UI: on a real kiosk it is another machine."""


def _platform_child() -> None:
    """Runs in the platform child between fork and exec: lower priority, dies with its parent."""
    try:
        os.nice(PLATFORM_NICE)
    except OSError:
        pass
    die_with_parent()


def die_with_parent() -> None:
    """Runs in a child between fork and exec: SIGKILL when the parent dies (Linux)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # not Linux: the parent's stop() still ends it
        pass


class PlatformStartError(RuntimeError):
    """The reference platform child did not come up; the message says why when it could tell."""


@dataclass
class PlatformProcess:
    url: str
    db_path: str
    process: subprocess.Popen
    log_path: str = ""

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> bool:
        """Wait until the platform answers HTTP; False when it exited or did not answer in ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/openapi.json", timeout=2) as resp:
                    if resp.status == 200:
                        return True
            time.sleep(0.05)
        return False

    def failure(self, host: str = "127.0.0.1") -> str:
        """Why it did not come up, as far as its log says."""
        where = f"; see {self.log_path}" if self.log_path else ""
        said = _last_line(self.log_path) if self.log_path else ""
        return f"the reference platform did not start on {host}{where}" + (f": {said}" if said else "")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> PlatformProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def launch_in_process(db_path: str | Path, host: str = "127.0.0.1", *, always_open: bool = False,
                      log_path: str | Path | None = None) -> PlatformProcess:
    """Start ``kiosk platform serve --demo`` on a free loopback port and return at once.

    Its URL is known before it answers, so a client can be built on it while the platform
    boots (a few seconds of imports and seeding): the kiosk's window does not wait for it.
    ``PlatformProcess.wait_ready`` says when (and whether) it came up. Call this from the
    main thread: the child's death signal follows the thread that started it. Raises
    ``PlatformStartError`` at once where the platform is not installed (it would only fail later).
    """
    missing = [name for name in ("reference_platform", "fastapi", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise PlatformStartError(f"the reference platform needs the `platform` extra, which this install does not "
                                 f"have ({', '.join(missing)} missing): pip install 'gov-kiosk[platform]'")
    port = free_port(host)
    cmd = [sys.executable, "-m", "kiosk", "platform", "serve", "--host", host, "--port", str(port),
           "--db", str(db_path), "--demo"] + (["--always-open"] if always_open else [])
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=_platform_child)
    finally:
        if log is not subprocess.DEVNULL:
            log.close()
    return PlatformProcess(f"http://{host}:{port}", str(db_path), proc, str(log_path) if log_path else "")


def serve_in_process(db_path: str | Path, host: str = "127.0.0.1", *, always_open: bool = False,
                     log_path: str | Path | None = None, start_timeout: float = START_TIMEOUT_S) -> PlatformProcess:
    """Start ``kiosk platform serve --demo`` on a free loopback port; return once it answers HTTP.

    Raises ``PlatformStartError`` (with the child's log file named, and its last line when
    it exited, such as a missing ``platform`` extra) when it exits or does not answer in
    time; a port taken between choosing and binding it is retried.
    """
    for _attempt in range(3):
        handle = launch_in_process(db_path, host, always_open=always_open, log_path=log_path)
        if handle.wait_ready(start_timeout):
            return handle
        handle.stop()
    raise PlatformStartError(handle.failure(host))


def _last_line(path: str | Path) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1].strip()[:300] if lines else ""
