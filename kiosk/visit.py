"""One citizen's visit: everything personal the kiosk holds, and the one place that wipes it.

Personal data (what the card said, the platform's person token, form values, photos,
query results) is kept here and nowhere else, so ending a visit — finished, timed out,
walked away, or the process restarting — is a single ``wipe()``. Photos that must go
through a file (camera captures, previews) live in a per-visit folder on a RAM-backed
file system when there is one, created 0700 and removed with the visit.
"""

from __future__ import annotations

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


TMP_PREFIX = "kiosk-visit-"


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
            self._tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=_private_tmp_root()))
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
    """After a crash a visit's folder may be left behind; start-up removes every one of them."""
    removed = 0
    for root in {_private_tmp_root(), Path(tempfile.gettempdir())}:
        for p in root.glob(TMP_PREFIX + "*"):
            shutil.rmtree(p, ignore_errors=True)
            removed += 1
    return removed
