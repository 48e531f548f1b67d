"""Field operations behind technician mode: recent log records, the log bundle, the config
check, restart and reboot. No Kivy and no screen (kiosk/journeys/technician/ shows it).

The runtime starts one ``FieldOps`` before anything else, so the ring of recent records
already holds what went wrong before the technician arrived. Every record is masked with
``kiosk.privacy.scrub`` as it is stored, and the bundle is scrubbed once more as a whole
before it is written: a log bundle leaves the kiosk on a USB stick, so it must never carry
an ID number, a phone number or a payment code, whatever a developer passed to a logger.

What touches the machine — leaving the process for systemd to restart it, running
``systemctl reboot``, the folders searched for a USB stick — is an attribute, so tests
replace it instead of restarting the test run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kiosk.bus import PlatformReachability
from kiosk.privacy import scrub

log = logging.getLogger(__name__)

RECENT_ERRORS = 50
"""WARNING and worse, shown on the technician's "recent errors" page."""
RECENT_RECORDS = 500
"""INFO and worse (as far as the logging level lets them through), for the exported bundle."""
MAX_MESSAGE = 500
RESTART_EXIT_CODE = 75
"""Any non-zero code makes systemd (``Restart=always``) start the app again; 75 is EX_TEMPFAIL."""
REBOOT_COMMAND = ("systemctl", "reboot")
"""Asks logind to reboot. As the unprivileged kiosk user that takes the polkit actions
``org.freedesktop.login1.reboot`` (and ``-multiple-sessions``, ``-ignore-inhibit``), which
systemd/polkit/50-kiosk-reboot.rules grants to the user "kiosk" only."""
MEDIA_ROOTS = ("/media", "/run/media")
"""Where USB sticks get mounted: ``/run/media/kiosk/<sdXN>`` on a kiosk (an automount point set
up by systemd/udev/80-kiosk-usb-stick.rules), ``/media/<label>``, ``/media/<user>/<label>`` and
``/run/media/<user>/<label>`` by desktop automounters and udisks."""
BUNDLE_PREFIX = "kiosk-logs"


@dataclass(frozen=True)
class LogLine:
    at: float
    level: str
    logger: str
    message: str

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.at))

    def as_dict(self) -> dict[str, object]:
        return {"time": self.when(), "level": self.level, "logger": self.logger, "message": self.message}


class RecentLog(logging.Handler):
    """A logging handler keeping the last records, masked: ``errors()`` and ``records()``, newest last."""

    def __init__(self, errors: int = RECENT_ERRORS, records: int = RECENT_RECORDS) -> None:
        super().__init__(level=logging.INFO)
        self._errors: deque[LogLine] = deque(maxlen=errors)
        self._records: deque[LogLine] = deque(maxlen=records)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message = f"{message} [{type(exc).__name__}: {exc}]"
        line = LogLine(record.created, record.levelname, record.name, scrub(message)[:MAX_MESSAGE])
        with self._ring_lock:
            self._records.append(line)
            if record.levelno >= logging.WARNING:
                self._errors.append(line)

    @property
    def _ring_lock(self) -> threading.RLock:
        return self.lock  # type: ignore[return-value]  # created by logging.Handler.createLock

    def errors(self) -> list[LogLine]:
        with self._ring_lock:
            return list(self._errors)

    def records(self) -> list[LogLine]:
        with self._ring_lock:
            return list(self._records)


@dataclass(frozen=True)
class PollSeen:
    """The outcome of the platform poller's last round."""

    at: float
    reachable: bool
    detail: str = ""


@dataclass(frozen=True)
class CommandResult:
    code: int
    output: str = ""


def run_command(argv: Sequence[str], timeout: float = 30.0) -> CommandResult:
    """Run a fixed command (never a shell); its exit code and the tail of its output."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return CommandResult(-1, f"{type(exc).__name__}: {exc}")
    return CommandResult(done.returncode, scrub((done.stderr or done.stdout or "").strip()[-300:]))


def exit_process(code: int, before: Callable[[], None] | None = None) -> None:
    """Close what can be closed, flush the logs and leave with ``code``; systemd starts the app again."""
    if before is not None:
        try:
            before()
        except Exception:
            log.exception("closing the runtime before the restart failed")
    logging.shutdown()
    os._exit(code)


class FieldOps:
    """What technician mode reads and does on this machine; one per runtime."""

    def __init__(self, before_exit: Callable[[], None] | None = None) -> None:
        self.log = RecentLog()
        self.last_poll: PollSeen | None = None
        self.exit: Callable[[int], None] = lambda code: exit_process(code, before_exit)
        """Leaves the process (restart); tests replace it."""
        self.run_command: Callable[[Sequence[str]], CommandResult] = run_command
        """Runs ``reboot_command``; tests replace it."""
        self.reboot_command: tuple[str, ...] = REBOOT_COMMAND
        """What reboots the machine (technician mode, the platform's remote ``reboot``); tests put a harmless one."""
        self.media_roots: tuple[str, ...] = MEDIA_ROOTS
        self._installed = False
        self._sub: Any = None
        self._bus: Any = None

    def start(self, bus: Any) -> None:
        if not self._installed:
            logging.getLogger().addHandler(self.log)
            self._installed = True
        self._bus = bus
        self._sub = bus.subscribe(self.on_event, PlatformReachability, sync=True)

    def stop(self) -> None:
        if self._installed:
            logging.getLogger().removeHandler(self.log)
            self._installed = False
        if self._sub is not None and self._bus is not None:
            self._bus.unsubscribe(self._sub)
            self._sub = None

    def on_event(self, event: object) -> None:
        if isinstance(event, PlatformReachability):
            self.last_poll = PollSeen(time.time(), event.reachable, scrub(event.detail))


# -- the USB stick ---------------------------------------------------------------------------
def _writable_dir(path: Path) -> bool:
    """A folder this process may create files in. Opening it first mounts a stick that sits
    behind an automount point (the kiosk's udev rule makes one): ``stat()`` and ``access()``
    alone do not trigger the mount and would see the root-owned autofs directory."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        return os.access(path, os.W_OK | os.X_OK)
    except OSError:
        return False
    finally:
        os.close(fd)


def _children(path: Path) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir())
    except OSError:  # another user's /run/media/<user>, a stick pulled while looking
        return []


def find_export_dir(configured: str = "", roots: Iterable[str] = MEDIA_ROOTS) -> Path | None:
    """The folder to export to: the configured one if it is there and writable, else the first
    writable mount point one or two levels under ``roots`` (``/media/STICK``, ``/run/media/kiosk/sdb1``)."""
    if configured:
        path = Path(configured)
        return path if _writable_dir(path) else None
    for root in roots:
        for child in _children(Path(root)):
            if os.path.ismount(child):
                if _writable_dir(child):
                    return child
                continue
            for grandchild in _children(child):
                if os.path.ismount(grandchild) and _writable_dir(grandchild):
                    return grandchild
    return None


def write_bundle(directory: Path, bundle: dict[str, Any], kiosk_id: str) -> Path:
    """Write the bundle as one JSON file, scrubbed again as a whole, synced so the stick can be pulled."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe_id = "".join(c if c.isalnum() or c in "-._" else "_" for c in kiosk_id)[:64]
    path = directory / f"{BUNDLE_PREFIX}-{safe_id}-{stamp}.json"
    text = scrub(json.dumps(bundle, ensure_ascii=False, indent=2, default=str))
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:  # some file systems (vfat through FUSE) refuse to sync a directory
        pass
    return path


def build_bundle(rt: Any, *, payments_blocked: bool = False) -> dict[str, Any]:
    """Recent log records, device states, platform and queue counts: nothing about any citizen."""
    from kiosk import __version__

    field_ops: FieldOps = rt.field
    snap = rt.status.snapshot()
    poll = field_ops.last_poll
    return {
        "kind": "kiosk-log-bundle",
        "format": 1,
        "kiosk_id": rt.cfg.kiosk.id,
        "kiosk_version": __version__,
        "created_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "uptime_s": round(time.monotonic() - rt.started_at, 1),
        "devices": {"states": dict(snap.devices),
                    "reports": [asdict(r) for r in rt.board.readings()],
                    "last_error": rt.board.last_error},
        "platform": {"reachable": snap.platform_reachable, "detail": snap.platform_detail,
                     "last_poll": asdict(poll) if poll else None},
        "journal": queue_counts(rt),
        "payments_blocked": payments_blocked,
        "recent_errors": [line.as_dict() for line in field_ops.log.errors()],
        "recent_records": [line.as_dict() for line in field_ops.log.records()],
    }


def queue_counts(rt: Any) -> dict[str, Any]:
    """Outbox states, journal depth and size, and payment orders not yet settled."""
    out: dict[str, Any] = {}
    journal, ledger = rt.journal, rt.ledger
    if journal is not None:
        out["outbox"] = journal.counts()
        out["depth"] = journal.depth()
        out["size_bytes"] = journal.size_bytes()
        out["used_bytes"] = journal.used_bytes()
        out["max_bytes"] = journal.max_bytes
    if ledger is not None:
        out["unsettled_orders"] = len(ledger.unsettled())
        out["paid_not_delivered"] = len(ledger.undelivered_paid())
    return out


# -- the configuration file ------------------------------------------------------------------
@dataclass(frozen=True)
class ConfigCheck:
    path: str
    """The file checked; "" when there is none (demo defaults)."""
    ok: bool
    problems: tuple[str, ...] = ()
    """``file: key: what is wrong`` lines, as ``kiosk config check`` prints them."""
    changed: tuple[str, ...] = field(default_factory=tuple)
    """Sections whose values differ from the running configuration (applied at the next start)."""


def check_config(running: Any) -> ConfigCheck:
    """Validate the file the kiosk was started from again; nothing is applied."""
    from kiosk import config

    path = None if running.demo else running.source
    try:
        fresh = config.load(path)
    except config.ConfigError as exc:
        return ConfigCheck(exc.path, False, tuple(f"{exc.path}: {p}" for p in exc.problems))
    if fresh.demo:
        return ConfigCheck("", True)
    changed = tuple(name for name in type(fresh).model_fields
                    if name != "source" and getattr(fresh, name) != getattr(running, name))
    return ConfigCheck(fresh.source, True, (), changed)
