"""One citizen's visit: everything personal the kiosk holds, and the one place that wipes it.

Personal data (what the card said, the platform's person token, form values, photos,
query results) is kept here and nowhere else, so ending a visit — finished, timed out,
walked away, or the process restarting — is a single ``wipe()``. Photos that must go
through a file (camera captures, previews) live in a per-visit folder on a RAM-backed
file system when there is one, created 0700 and removed with the visit.

The visit folders of one process sit in that process's own parent folder
(``kiosk-visits-<pid>-…``), which holds an ``flock`` for as long as the process lives.
A crash leaves the parent behind with its lock released, and the next start-up removes
exactly those: two kiosks, or two test runs, on one machine never delete each other's
live visits.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_RAM_DIRS = ("/dev/shm", "/run/user")


def _private_tmp_root() -> Path:
    for candidate in _RAM_DIRS:
        p = Path(candidate)
        if p.is_dir() and p.stat().st_mode & 0o002:
            return p
    return Path(tempfile.gettempdir())


OWNER_PREFIX = "kiosk-visits-"
"""A process's parent folder of visit folders: ``kiosk-visits-<pid>-<random>``."""
TMP_PREFIX = "kiosk-visit-"
"""One visit's folder, inside its process's parent folder."""
_OWNER_LOCK = ".owner"

_owner_lock = threading.Lock()
_owner: tuple[int, Path, int] | None = None
"""(pid, parent folder, fd holding its flock) of this process, made on first use."""


def process_visit_root() -> Path:
    """This process's parent folder of visit folders (made on first use, again after a fork)."""
    global _owner
    with _owner_lock:
        pid = os.getpid()
        if _owner is None or _owner[0] != pid:
            path = Path(tempfile.mkdtemp(prefix=f"{OWNER_PREFIX}{pid}-", dir=_private_tmp_root()))
            path.chmod(0o700)
            fd = os.open(path / _OWNER_LOCK, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _owner = (pid, path, fd)
            atexit.register(_remove_own_root, pid)
        return _owner[1]


def visit_dirs() -> list[Path]:
    """The visit folders this process holds now (empty between visits)."""
    with _owner_lock:
        if _owner is None or _owner[0] != os.getpid():
            return []
        root = _owner[1]
    return sorted(root.glob(TMP_PREFIX + "*"))


def _remove_own_root(pid: int) -> None:
    if _owner is not None and _owner[0] == pid == os.getpid():
        shutil.rmtree(_owner[1], ignore_errors=True)
        os.close(_owner[2])


@dataclass
class Identity:
    """Who the citizen proved to be; only masked values ever leave this object for display."""

    method: str  # id_card | app_qr | face
    person_token: str
    id_number: str
    name: str
    masked_id: str
    masked_name: str
    attributes: dict[str, str] = field(default_factory=dict)
    """Prefill data for "one form" (address, gender, birth date...)."""


@dataclass
class Visit:
    visit_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    language: str = "zh_CN"
    elder_mode: bool = False
    identity: Identity | None = None
    service_code: str | None = None
    form_values: dict[str, str] = field(default_factory=dict)
    photos: dict[str, bytes] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)
    receipts: list[dict[str, str]] = field(default_factory=list)
    """Non-personal references (case numbers, order ids, receipt codes) for the goodbye screen."""
    _tmp: Path | None = None

    def tmp_dir(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=process_visit_root()))
            self._tmp.chmod(0o700)
        return self._tmp

    def wipe(self) -> None:
        """Forget everything personal; safe to call twice."""
        self.identity = None
        self.form_values.clear()
        for key in list(self.photos):
            buf = self.photos.pop(key)
            if isinstance(buf, bytearray):
                buf[:] = b"\0" * len(buf)
        self.records.clear()
        self.receipts.clear()
        self.service_code = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


class SessionHolder:
    """The kiosk has at most one visit at a time; journeys and screens reach it through here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._visit: Visit | None = None

    @property
    def visit(self) -> Visit | None:
        return self._visit

    def start(self, language: str = "zh_CN", elder_mode: bool = False) -> Visit:
        with self._lock:
            if self._visit is not None:
                self._visit.wipe()
            self._visit = Visit(language=language, elder_mode=elder_mode)
            return self._visit

    def end(self) -> None:
        with self._lock:
            if self._visit is not None:
                self._visit.wipe()
            self._visit = None


def remove_stale_visit_dirs() -> int:
    """Remove the visit folders a crashed process left behind; returns how many.

    Only parents whose owner is gone go: their lock can be taken (or, for a parent
    caught before its lock file exists, its pid is not running). Live processes'
    parents, this one's included, and other users' (unreadable) ones are left alone.
    """
    removed = 0
    for root in {_private_tmp_root(), Path(tempfile.gettempdir())}:
        for parent in root.glob(OWNER_PREFIX + "*"):
            if _owner_gone(parent):
                removed += len(list(parent.glob(TMP_PREFIX + "*")))
                shutil.rmtree(parent, ignore_errors=True)
    return removed


def _owner_gone(parent: Path) -> bool:
    try:
        fd = os.open(parent / _OWNER_LOCK, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return not _pid_running(parent.name.removeprefix(OWNER_PREFIX).partition("-")[0])
    except OSError:
        return False  # another user's kiosk, or not a folder of ours
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: its process is alive
    finally:
        os.close(fd)
    return True


def _pid_running(pid: str) -> bool:
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
