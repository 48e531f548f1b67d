"""The chaos run's child processes, forked from a server that imported the kiosk and the platform once.

A kill cycle restarts a kiosk (and sometimes the platform); started with ``python -m``,
each restart spends a second or two importing the same modules (the journeys, OpenCV,
the face models' package, pypinyin, FastAPI) before it opens a single file. The run
instead starts one ``multiprocessing`` fork server with those modules preloaded and
forks every worker kiosk and every platform from it: a fresh process each time, with
its own pid, files, sockets and threads, killed with a real SIGKILL, but with the
imports already done. Nothing but imports is shared: the fork server opens no state
folder, database or socket and starts no thread of the kiosk's.

Each child's stdout and stderr go to a log file in the run folder; each dies with the
fork server (``PR_SET_PDEATHSIG``), which dies with the harness: the fork server stops
when every holder of its "alive" pipe has gone, and ``multiprocessing`` hands that pipe to
every child it forks, so each child closes its copy first (``_leave_the_fork_server``).
Otherwise a killed harness left the fork server waiting for its children and the
children waiting for the fork server, all still running.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

PRELOAD = ["devtools.chaos.preload"]
"""What the fork server imports before the first fork (devtools/chaos/preload.py says what and why)."""


def _leave_the_fork_server() -> None:
    """Drop this child's end of the fork server's "alive" pipe: the harness alone keeps it running."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # the module's one server; a child never forks through it
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None


def _redirect(log: str, out: str | None) -> None:
    from kiosk.platform.process import die_with_parent

    _leave_the_fork_server()
    die_with_parent()
    os.environ.pop("KIOSK_CONFIG", None)
    err_fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    out_fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600) if out else err_fd
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]


def _worker_main(argv: list[str], log: str, out: str | None) -> None:
    _redirect(log, out)
    from devtools.chaos.worker import main

    code = main(argv)
    sys.stdout.flush()
    sys.exit(code)


def _platform_main(argv: list[str], log: str) -> None:
    _redirect(log, None)
    from devtools.chaos.platform import main

    sys.exit(main(argv))


class Child:
    """A forked process with the ``subprocess.Popen`` calls the harness uses (pid, poll, kill, wait)."""

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.pid: int = proc.pid

    def poll(self) -> int | None:
        return self.proc.exitcode

    def kill(self) -> None:
        if self.proc.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def terminate(self) -> None:
        if self.proc.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)

    def wait(self, timeout: float | None = None) -> int:
        self.proc.join(timeout)
        code = self.proc.exitcode
        if code is None:
            raise TimeoutError(f"process {self.pid} still running after {timeout} s")
        return code


def _nothing() -> None:
    """A child that only proves the fork server is up."""


class Forker:
    """The fork server and the processes it starts (``multiprocessing.Process``: pid, kill, join, exitcode)."""

    def __init__(self) -> None:
        self.ctx: multiprocessing.context.ForkServerContext = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload(PRELOAD)

    def warm(self, timeout: float) -> float:
        """Start the fork server (its preload takes seconds) and wait for it; returns how long it took."""
        started = time.monotonic()
        proc = self.ctx.Process(target=_nothing, name="chaos-warm", daemon=True)
        proc.start()
        proc.join(timeout)
        if proc.exitcode != 0:
            raise RuntimeError(f"the chaos fork server did not start within {timeout:.0f} s (exit {proc.exitcode})")
        return time.monotonic() - started

    def worker(self, argv: list[str], log: Path, out: Path | None = None) -> Child:
        proc = self.ctx.Process(target=_worker_main, args=(argv, str(log), str(out) if out else None),
                                name="chaos-worker", daemon=True)
        proc.start()
        return Child(proc)

    def platform(self, argv: list[str], log: Path) -> Child:
        proc = self.ctx.Process(target=_platform_main, args=(argv, str(log)), name="chaos-platform", daemon=True)
        proc.start()
        return Child(proc)
