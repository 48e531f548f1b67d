"""The A4 printer: PDF jobs through CUPS (``lp`` / ``lpstat`` / ``cancel``), or a folder in demo mode.

The CUPS command-line client is used rather than pycups: it is what a technician runs
by hand, it needs no compiled binding, and its messages are stable under ``LC_ALL=C``.
Both backends share one small interface (``submit``, ``job_state``, ``cancel``,
``status``, ``wait``) and report through ``StatusTracker`` / ``PrintJobFinished``.
"""

from __future__ import annotations

import enum
import itertools
import logging
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drivers.base import DeviceState, MediaStatus, Publish, StatusTracker, discard
from drivers.printer.errors import A4JobError, CupsUnavailable, QueueNotFound
from drivers.printer.events import PrintJobFinished

if TYPE_CHECKING:
    from drivers.printer.settings import A4PrinterSection

log = logging.getLogger(__name__)


STOPPED_ALERTS = ("job-completed-with-errors", "job-stopped", "aborted-by-system")
"""Job-state reasons of a job CUPS stopped on an error (``lpstat -l``'s ``Alerts:``)."""


class A4JobState(enum.StrEnum):
    PENDING = "pending"  # queued or printing
    COMPLETED = "completed"  # left the queue (CUPS: completed, cancelled or aborted)
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class A4Job:
    job_id: str
    file: Path
    title: str = ""


def _check_pdf(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(5)
    except OSError as exc:
        raise A4JobError("unreadable_file", f"{path}: {exc.strerror}") from None
    if head != b"%PDF-":
        raise A4JobError("not_pdf", f"{path} is not a PDF file")


class _A4Base:
    terminal = (A4JobState.COMPLETED, A4JobState.CANCELLED, A4JobState.FAILED)

    def __init__(self, name: str, publish: Publish) -> None:
        self.name = name
        self.publish = publish
        self.tracker = StatusTracker(name, publish, MediaStatus.UNKNOWN)

    def job_state(self, job_id: str) -> A4JobState:
        raise A4JobError("unsupported", f"{type(self).__name__} cannot report job states")

    def wait(self, job_id: str, timeout: float = 120.0, interval: float = 1.0) -> A4JobState:
        """Poll until the job leaves the queue or the timeout; publishes ``PrintJobFinished``."""
        deadline = time.monotonic() + timeout
        state = self.job_state(job_id)
        while state not in self.terminal and time.monotonic() < deadline:
            time.sleep(interval)
            state = self.job_state(job_id)
        if state in self.terminal:
            self.publish(PrintJobFinished(self.name, job_id=job_id, ok=state is A4JobState.COMPLETED,
                                          reason=state.value))
        return state


class CupsA4Printer(_A4Base):
    """A CUPS queue; ``queue=""`` uses the CUPS default destination, ``server=""`` the system's
    scheduler (else ``host[:port]`` or a domain socket path, as ``CUPS_SERVER`` takes it)."""

    def __init__(self, queue: str = "", *, name: str = "a4printer", publish: Publish = discard,
                 timeout: float = 15.0, server: str = "") -> None:
        super().__init__(name, publish)
        self.queue = queue
        self.timeout = timeout
        self.server = server

    def wait(self, job_id: str, timeout: float = 120.0, interval: float = 1.0) -> A4JobState:
        """As ``_A4Base.wait``, and while the job waits the queue's state is read too, so a
        queue CUPS stopped (paper out, jam, a technician's ``cupsdisable``) shows as
        ``user_error`` at once, and as ready again when it is re-enabled and the job prints."""
        deadline = time.monotonic() + timeout
        state = self.job_state(job_id)
        while state not in self.terminal and time.monotonic() < deadline:
            self.status()
            time.sleep(interval)
            state = self.job_state(job_id)
        self.status()
        if state is A4JobState.FAILED:
            self._cancel_quietly(job_id)
        if state in self.terminal:
            self.publish(PrintJobFinished(self.name, job_id=job_id, ok=state is A4JobState.COMPLETED,
                                          reason=state.value))
        return state

    def _cancel_quietly(self, job_id: str) -> None:
        """A failed job is cancelled: restarted later, it would print a citizen's certificate to nobody."""
        try:
            self.cancel(job_id)
        except (A4JobError, CupsUnavailable, QueueNotFound) as exc:
            log.warning("a4 %s: could not cancel failed job %s: %s", self.name, job_id, exc)

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        if shutil.which(argv[0]) is None:
            raise CupsUnavailable("cups_missing", f"{argv[0]} not found: install the cups-client package")
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", **({"CUPS_SERVER": self.server} if self.server else {})}
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise CupsUnavailable("cups_timeout", f"{argv[0]} did not answer in {self.timeout} s") from None
        except OSError as exc:
            raise CupsUnavailable("cups_missing", f"{argv[0]}: {exc.strerror}") from None

    @staticmethod
    def _raise_for(proc: subprocess.CompletedProcess[str], what: str) -> None:
        msg = (proc.stderr or proc.stdout).strip()
        low = msg.lower()
        if "does not exist" in low or "invalid destination" in low or "unknown destination" in low:
            raise QueueNotFound("queue_not_found", f"{what}: {msg}")
        if "no default destination" in low:
            raise QueueNotFound("no_default_queue", f"{what}: {msg}")
        if "scheduler" in low or "unable to connect" in low or "connection refused" in low:
            raise CupsUnavailable("cups_not_running", f"{what}: {msg}")
        raise A4JobError("cups_error", f"{what}: {msg or f'exit status {proc.returncode}'}")

    def submit(self, pdf: str | Path, title: str = "kiosk") -> A4Job:
        """``lp -d QUEUE -t TITLE file.pdf`` -> the CUPS job id (``QUEUE-42``)."""
        path = Path(pdf)
        _check_pdf(path)
        argv = ["lp"] + (["-d", self.queue] if self.queue else []) + ["-t", title, "--", str(path)]
        try:
            proc = self._run(*argv)
            if proc.returncode != 0:
                self._raise_for(proc, "lp")
        except (CupsUnavailable, QueueNotFound) as exc:
            self.tracker.set(DeviceState.OFFLINE, MediaStatus.UNKNOWN, exc.reason)
            raise
        m = re.search(r"request id is (\S+)", proc.stdout)
        if not m:
            raise A4JobError("cups_error", f"lp gave no job id: {proc.stdout.strip()!r}")
        log.info("a4 %s: submitted %s as %s", self.name, path.name, m.group(1))
        return A4Job(m.group(1), path, title)

    def _listed(self, which: str) -> dict[str, str]:
        """``lpstat -l -W WHICH -o``: job id -> its ``Alerts:`` line (the job-state reasons)."""
        argv = ["lpstat", "-l", "-W", which, "-o"] + ([self.queue] if self.queue else [])
        proc = self._run(*argv)
        if proc.returncode != 0:
            self._raise_for(proc, "lpstat")
        jobs: dict[str, str] = {}
        current = ""
        for line in proc.stdout.splitlines():
            if line.strip() and not line[0].isspace():
                current = line.split()[0]
                jobs[current] = ""
            elif current and line.strip().startswith("Alerts:"):
                jobs[current] = line.split(":", 1)[1].strip()
        return jobs

    def job_state(self, job_id: str) -> A4JobState:
        """``pending`` while CUPS may still print it; ``failed`` for a job CUPS stopped on an error
        (a filter or backend failed: it stays listed, but will not print unless restarted)."""
        waiting = self._listed("not-completed")
        if job_id in waiting:
            alerts = waiting[job_id]
            return A4JobState.FAILED if any(a in alerts for a in STOPPED_ALERTS) else A4JobState.PENDING
        if job_id in self._listed("completed"):
            return A4JobState.COMPLETED
        return A4JobState.UNKNOWN

    def cancel(self, job_id: str) -> None:
        proc = self._run("cancel", job_id)
        if proc.returncode != 0:
            self._raise_for(proc, "cancel")

    def status(self) -> DeviceState:
        """``lpstat -p QUEUE``: idle -> online, printing -> busy, disabled -> user_error."""
        try:
            queue = self.queue or self._default_queue()
            proc = self._run("lpstat", "-p", queue)
            if proc.returncode != 0:
                self._raise_for(proc, "lpstat")
        except (CupsUnavailable, QueueNotFound) as exc:
            self.tracker.set(DeviceState.OFFLINE, MediaStatus.UNKNOWN, exc.reason)
            return DeviceState.OFFLINE
        except A4JobError as exc:
            self.tracker.set(DeviceState.HARDWARE_ERROR, MediaStatus.UNKNOWN, exc.reason)
            return DeviceState.HARDWARE_ERROR
        text = proc.stdout.lower()
        if " disabled" in text:
            self.tracker.set(DeviceState.USER_ERROR, MediaStatus.UNKNOWN, "queue_disabled")
        elif "now printing" in text:
            self.tracker.set(DeviceState.BUSY, MediaStatus.UNKNOWN, "printing")
        else:
            self.tracker.set(DeviceState.ONLINE, MediaStatus.UNKNOWN, "idle")
        return self.tracker.state

    def _default_queue(self) -> str:
        proc = self._run("lpstat", "-d")
        m = re.search(r"system default destination:\s*(\S+)", proc.stdout)
        if m:
            return m.group(1)
        if proc.returncode != 0:
            self._raise_for(proc, "lpstat -d")
        raise QueueNotFound("no_default_queue", "CUPS has no default destination; set devices.a4printer.queue")


class FolderA4Printer(_A4Base):
    """Demo/test backend: each submitted PDF is copied into ``out_dir``; states are settable.

    ``set_status`` simulates a queue that is offline or out of paper; jobs submitted then are
    refused with the same typed errors the CUPS backend raises.
    """

    def __init__(self, out_dir: str | Path, *, name: str = "a4printer", publish: Publish = discard) -> None:
        super().__init__(name, publish)
        self.out_dir = Path(out_dir)
        self._jobs: dict[str, A4JobState] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.hold = False
        """True: jobs stay pending until ``complete()`` (to test waiting and cancelling)."""
        self.tracker.set(DeviceState.ONLINE, MediaStatus.OK, "idle")

    def set_status(self, state: DeviceState, media: MediaStatus = MediaStatus.OK, detail: str = "") -> None:
        self.tracker.set(state, media, detail)

    def status(self) -> DeviceState:
        return self.tracker.state

    def submit(self, pdf: str | Path, title: str = "kiosk") -> A4Job:
        path = Path(pdf)
        _check_pdf(path)
        if self.tracker.state is DeviceState.OFFLINE:
            raise CupsUnavailable("cups_not_running", f"{self.name}: emulated queue is offline")
        with self._lock:
            job_id = f"kiosk-a4-{next(self._ids)}"
            self.out_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.out_dir / f"{job_id}.pdf")
            self._jobs[job_id] = A4JobState.PENDING if self.hold else A4JobState.COMPLETED
        log.info("a4 %s: %s -> %s", self.name, path.name, self.out_dir / f"{job_id}.pdf")
        return A4Job(job_id, path, title)

    def job_state(self, job_id: str) -> A4JobState:
        with self._lock:
            return self._jobs.get(job_id, A4JobState.UNKNOWN)

    def complete(self, job_id: str, state: A4JobState = A4JobState.COMPLETED) -> None:
        with self._lock:
            if job_id not in self._jobs:
                raise A4JobError("unknown_job", f"no job {job_id}")
            self._jobs[job_id] = state

    def cancel(self, job_id: str) -> None:
        with self._lock:
            if self._jobs.get(job_id) is not A4JobState.PENDING:
                raise A4JobError("not_cancellable", f"job {job_id} is not pending")
            self._jobs[job_id] = A4JobState.CANCELLED


def a4_from_config(section: A4PrinterSection, out_dir: str | Path, publish: Publish = discard,
                   name: str = "a4printer") -> CupsA4Printer | FolderA4Printer | None:
    """``[devices.a4printer]`` -> a backend: ``cups`` (queue), ``emulator`` (PDFs into out_dir), ``none``."""
    if section.backend == "cups":
        return CupsA4Printer(section.queue, name=name, publish=publish, server=section.server)
    if section.backend == "emulator":
        return FolderA4Printer(out_dir, name=name, publish=publish)
    return None
