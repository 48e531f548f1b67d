"""The journal: what the kiosk promised a citizen, kept on disk until the platform has it.

An application the citizen saw as "submitted" must survive a crash or a power cut and
reach the platform exactly once. So it is written here (SQLite, WAL, ``synchronous=FULL``
so the commit is fsynced) *before* that screen is shown, together with the idempotency
key the platform will see on every resend. The payload holds personal data, so it is
sealed with AES-GCM under a key file only the kiosk user can read, and the row is
deleted as soon as the platform acknowledges it: what stays is a tombstone with the
kind, the key and the platform's reference, never the personal data.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

KINDS = ("application", "rating", "help_call")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected')),
    nonce BLOB NOT NULL,
    sealed BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS delivered (
    idempotency_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    delivered_at REAL NOT NULL
);
"""


class JournalFull(Exception):
    """The journal reached its size bound: the kiosk must stop taking submissions and say so."""


class PermanentRejection(Exception):
    """Raised by a sender when the platform refuses an item for good (it will never accept a resend)."""


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    idempotency_key: str
    attempts: int
    payload: dict


def _load_or_create_key(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != 32:
            raise ValueError(f"{path}: journal key must be 32 bytes, found {len(key)}") from None
        return key
    key = AESGCM.generate_key(bit_length=256)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


class Journal:
    """Outbox of applications, ratings and help calls; safe to use from several threads."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = 200 * 1024 * 1024) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.directory / "journal.db"
        self.max_bytes = max_bytes
        self._aead = AESGCM(_load_or_create_key(self.directory / "journal.key"))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -------------------------------------------------------------------------
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.glob("journal.db*") if p.exists())

    def enqueue(self, kind: str, payload: dict, idempotency_key: str | None = None) -> str:
        """Seal and store one item durably; returns its idempotency key.

        Enqueuing the same key twice keeps the first item: a retried "submit" tap after
        a crash must not create a second application. That holds after delivery too: a
        key the platform already acknowledged is not queued again.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown outbox kind {kind!r}; allowed: {', '.join(KINDS)}")
        key = idempotency_key or str(uuid.uuid4())
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        if self.size_bytes() + len(plain) > self.max_bytes:
            raise JournalFull(f"journal at {self.path} is over its {self.max_bytes} byte bound")
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plain, f"{kind}:{key}".encode())
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox (kind, idempotency_key, created_at, next_attempt_at,"
                " nonce, sealed) SELECT ?, ?, ?, ?, ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM delivered WHERE idempotency_key = ?)",
                (kind, key, now, now, nonce, sealed, key),
            )
        return key

    # -- reading -------------------------------------------------------------------------
    def _open(self, row: tuple) -> OutboxItem:
        item_id, kind, key, attempts, nonce, sealed = row
        plain = self._aead.decrypt(nonce, sealed, f"{kind}:{key}".encode())
        return OutboxItem(item_id, kind, key, attempts, json.loads(plain))

    def due(self, now: float | None = None, limit: int = 20) -> list[OutboxItem]:
        now = time.time() if now is None else now
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, idempotency_key, attempts, nonce, sealed FROM outbox"
                " WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                (now, limit),
            ).fetchall()
        return [self._open(r) for r in rows]

    def depth(self) -> int:
        """Items not yet acknowledged (pending or rejected): what a technician must care about."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
            delivered = self._db.execute("SELECT COUNT(*) FROM delivered").fetchone()[0]
        out = {"pending": 0, "rejected": 0, **dict(rows)}
        out["delivered"] = delivered
        return out

    def reference(self, idempotency_key: str) -> str | None:
        """The platform's reference (e.g. the case number) once the item was acknowledged."""
        with self._lock:
            row = self._db.execute(
                "SELECT reference FROM delivered WHERE idempotency_key = ?", (idempotency_key,)
            ).fetchone()
        return row[0] if row else None

    def state(self, idempotency_key: str) -> str | None:
        """Where one item is: ``delivered``, ``pending`` (not tried yet), ``retrying`` (a send
        failed, another is scheduled), ``rejected``, or None for a key never enqueued.

        Lets a journey stop waiting for the platform as soon as the first attempt failed.
        """
        with self._lock:
            if self._db.execute("SELECT 1 FROM delivered WHERE idempotency_key = ?",
                                (idempotency_key,)).fetchone():
                return "delivered"
            row = self._db.execute("SELECT state, attempts FROM outbox WHERE idempotency_key = ?",
                                   (idempotency_key,)).fetchone()
        if row is None:
            return None
        state, attempts = row
        if state == "pending" and attempts > 0:
            return "retrying"
        return str(state)

    # -- outcomes ------------------------------------------------------------------------
    def acknowledge(self, item_id: int, reference: str) -> None:
        """The platform has it: drop the personal data, keep a tombstone for receipts and audits."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                "SELECT kind, idempotency_key FROM outbox WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None:
                return
            self._db.execute(
                "INSERT OR REPLACE INTO delivered (idempotency_key, kind, reference, delivered_at)"
                " VALUES (?, ?, ?, ?)",
                (row[1], row[0], reference, time.time()),
            )
            self._db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def retry_later(self, item_id: int, error: str, delay_s: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error[:200], time.time() + delay_s, item_id),
            )

    def reject(self, item_id: int, error: str) -> None:
        """Kept (still sealed) for a technician; never resent automatically."""
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:200], item_id),
            )


Sender = Callable[[OutboxItem], str]
"""Delivers one item to the platform and returns its reference; raises on failure."""


class OutboxSender:
    """Background loop that drains the journal with exponential backoff per item.

    Any exception from ``send`` other than ``PermanentRejection`` means "try again
    later": the idempotency key makes a resend of something the platform already took
    harmless, which is what makes delivery exactly-once across crashes.
    """

    def __init__(self, journal: Journal, send: Sender, *, poll_s: float = 1.0,
                 first_delay_s: float = 2.0, max_delay_s: float = 300.0) -> None:
        self.journal, self.send = journal, send
        self.poll_s, self.first_delay_s, self.max_delay_s = poll_s, first_delay_s, max_delay_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def kick(self) -> None:
        """Send now (called right after an enqueue) instead of waiting for the next poll."""
        self._wake.set()

    def drain_once(self) -> int:
        """Try every due item once; returns how many were acknowledged."""
        acked = 0
        for item in self.journal.due():
            try:
                reference = self.send(item)
            except PermanentRejection as exc:
                log.error("outbox %s %s rejected for good: %s", item.kind, item.idempotency_key, exc)
                self.journal.reject(item.id, str(exc))
            except Exception as exc:  # every other failure is retried later
                delay = min(self.first_delay_s * (2 ** item.attempts), self.max_delay_s)
                log.warning("outbox %s %s not delivered (%s); retry in %.0f s",
                            item.kind, item.idempotency_key, type(exc).__name__, delay)
                self.journal.retry_later(item.id, f"{type(exc).__name__}: {exc}", delay)
            else:
                self.journal.acknowledge(item.id, reference)
                acked += 1
        return acked

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain_once()
            except sqlite3.Error:
                log.exception("outbox: journal error")
            self._wake.wait(self.poll_s)
            self._wake.clear()
