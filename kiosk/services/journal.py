"""The journal: what the kiosk promised a citizen, kept on disk until the platform has it.

An application the citizen saw as "submitted" must survive a crash or a power cut and
reach the platform exactly once. So it is written here (SQLite, WAL, ``synchronous=FULL``
so the commit is fsynced) *before* that screen is shown, together with the idempotency
key the platform will see on every resend. The payload holds personal data, so it is
sealed with AES-GCM under a key file only the kiosk user can read, and the row is
deleted as soon as the platform acknowledges it: what stays is a tombstone with the
kind, the key and the platform's reference, never the personal data.

A row that cannot be opened (its key was lost, the blob is damaged) is never deleted and
never allowed to stop the others: it is set aside as ``unreadable``, kept sealed for a
technician (restoring the old key as ``journal.key.old`` and restarting brings it back),
and the sender goes on with the rest. The size bound counts the pages the database
really uses, so the space of delivered rows is free again at once.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag

from kiosk.services.journal_keys import KEY_FILE, JournalKeys
from kiosk.services.store import open_store

log = logging.getLogger(__name__)

KINDS = ("application", "rating", "help_call", "help_cancel", "technician_audit", "visit_summary")
"""``help_cancel`` holds no personal data: the idempotency key of the ``help_call`` it cancels."""
STATES = ("pending", "rejected", "unreadable")
"""``unreadable``: the sealed payload cannot be opened with any key at hand; kept, never sent."""
SET_ASIDE_STATES = ("rejected", "unreadable")
"""Items kept for a technician and never sent again: each one is a promise to a citizen not
kept, so they raise an alert (outbox), a metric (``kiosk_journal_set_aside``) and show in
``kiosk doctor journal``."""

WAL_KEEP_BYTES = 8 * 1024 * 1024
"""The write-ahead log is cut back to this after a checkpoint (it never shrinks otherwise)."""

_SCHEMA_VERSION = 1

_OUTBOX = """
CREATE TABLE IF NOT EXISTS {name} (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected', 'unreadable')),
    nonce BLOB NOT NULL,
    sealed BLOB NOT NULL
)"""
_OUTBOX_COLUMNS = ("id, kind, idempotency_key, created_at, attempts, next_attempt_at, last_error, state,"
                   " nonce, sealed")

_SCHEMA = _OUTBOX.format(name="outbox") + """;
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


_UNREADABLE = (InvalidTag, ValueError, TypeError)
"""What opening a damaged row raises: wrong key or damaged blob (InvalidTag), a bad nonce
(ValueError, TypeError), a payload that is not JSON or not UTF-8 (ValueError)."""


class Journal:
    """Outbox of applications, ratings and help calls; safe to use from several threads."""

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = 200 * 1024 * 1024) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.directory / "journal.db"
        self.key_path = self.directory / KEY_FILE
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db = open_store(self.path, wal_keep_bytes=WAL_KEEP_BYTES)
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._open_keys()
        self._recheck_unreadable()

    def _migrate(self) -> None:
        """Journals written before ``unreadable`` existed: rebuild ``outbox`` with the new CHECK."""
        if self._db.execute("PRAGMA user_version").fetchone()[0] >= _SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            (sql,) = self._db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").fetchone()
            if "'unreadable'" not in sql:
                self._db.execute(_OUTBOX.format(name="outbox_v1"))
                self._db.execute(f"INSERT INTO outbox_v1 ({_OUTBOX_COLUMNS}) SELECT {_OUTBOX_COLUMNS} FROM outbox")
                self._db.execute("DROP TABLE outbox")
                self._db.execute("ALTER TABLE outbox_v1 RENAME TO outbox")
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _open_keys(self) -> None:
        self._keys = JournalKeys(self.directory)
        if not self._keys.created:
            return
        held = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        if held:  # not silent: everything already queued was sealed with the key that went missing
            self._keys.keep_spare_copy()
            log.error("journal key %s was missing: a new key was created, and the %d item(s) already in the"
                      " journal cannot be read without the old key; they are kept, not sent. If the old key"
                      " is found, copy it to %s (do not overwrite %s) and restart the kiosk",
                      self.key_path, held, self._keys.restore_as, self.key_path.name)

    def _recheck_unreadable(self) -> None:
        """At start: rows set aside earlier that open now (the old key was restored) are sent again."""
        ids = [r[0] for r in self._db.execute("SELECT id FROM outbox WHERE state = 'unreadable' ORDER BY id")]
        restored = 0
        for item_id in ids:
            row = self._db.execute("SELECT id, kind, idempotency_key, attempts, nonce, sealed FROM outbox"
                                   " WHERE id = ?", (item_id,)).fetchone()
            try:
                self._open(row)
            except _UNREADABLE:
                continue
            self._db.execute("UPDATE outbox SET state = 'pending', last_error = '', next_attempt_at = ?"
                             " WHERE id = ?", (time.time(), item_id))
            restored += 1
        if restored:
            log.warning("journal: %d unreadable item(s) can be read again and will be sent", restored)
        if len(ids) > restored:
            log.warning("journal: %d item(s) are unreadable (sealed with a key that is not at hand);"
                        " kept, not sent: restore the old key as %s and restart",
                        len(ids) - restored, self._keys.restore_as)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -------------------------------------------------------------------------
    def size_bytes(self) -> int:
        """The journal's files on disk. They do not shrink when rows are delivered (SQLite
        reuses the freed pages instead): see ``used_bytes`` for what the journal holds."""
        return sum(p.stat().st_size for p in self.directory.glob("journal.db*") if p.exists())

    def used_bytes(self) -> int:
        """What the journal really holds: its database pages in use (free pages left out).

        A delivered row's payload is deleted with it; its pages go to SQLite's free list
        and are reused by the next rows, so this falls again after delivery.
        """
        with self._lock:
            page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return (pages - free) * page_size

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
        used = self.used_bytes()
        if used + len(plain) > self.max_bytes:
            raise JournalFull(f"journal at {self.path} holds {used} bytes; {len(plain)} more would be over"
                              f" its {self.max_bytes} byte bound")
        nonce, sealed = self._keys.seal(plain, f"{kind}:{key}".encode())
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
        """Unseal one row; raises one of ``_UNREADABLE`` if it cannot be read."""
        item_id, kind, key, attempts, nonce, sealed = row
        payload = json.loads(self._keys.open(nonce, sealed, f"{kind}:{key}".encode()))
        if not isinstance(payload, dict):
            raise ValueError(f"payload is a JSON {type(payload).__name__}, not an object")
        return OutboxItem(item_id, kind, key, attempts, payload)

    def _set_aside(self, item_id: int, kind: str, key: str, exc: BaseException) -> None:
        """Mark a row ``unreadable``: kept on disk (sealed) for a technician, never sent, logged once."""
        with self._lock:
            changed = self._db.execute(
                "UPDATE outbox SET state = 'unreadable', last_error = ? WHERE id = ? AND state = 'pending'",
                (f"unreadable: {type(exc).__name__}", item_id),
            ).rowcount
        if changed:  # the exception's text is left out: it could quote the payload
            log.error("journal: %s %s cannot be read (%s: wrong key or damaged payload); kept on disk as"
                      " unreadable and not sent, the other items go on. Do not delete the journal; restore"
                      " the old key as %s and restart", kind, key, type(exc).__name__,
                      self._keys.restore_as)

    def due(self, now: float | None = None, limit: int = 20) -> list[OutboxItem]:
        """Up to ``limit`` pending items whose next attempt is due, oldest first.

        A row that cannot be read is set aside (``unreadable``) instead of being returned,
        so it can never stop the items behind it.
        """
        now = time.time() if now is None else now
        items: list[OutboxItem] = []
        after = 0
        while len(items) < limit:
            want = limit - len(items)
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, kind, idempotency_key, attempts, nonce, sealed FROM outbox"
                    " WHERE state = 'pending' AND next_attempt_at <= ? AND id > ? ORDER BY id LIMIT ?",
                    (now, after, want),
                ).fetchall()
            for row in rows:
                after = row[0]
                try:
                    items.append(self._open(row))
                except _UNREADABLE as exc:
                    self._set_aside(row[0], row[1], row[2], exc)
            if len(rows) < want:
                break
        return items

    def depth(self) -> int:
        """Items not yet acknowledged (pending, rejected or unreadable): what a technician must care about."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def oldest_pending_at(self) -> float | None:
        """``time.time()`` when the oldest item still to be sent was journaled; None when none waits."""
        with self._lock:
            return self._db.execute("SELECT MIN(created_at) FROM outbox WHERE state = 'pending'").fetchone()[0]

    def unreadable(self) -> int:
        """Items set aside because they cannot be decrypted or parsed (kept, never sent)."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'unreadable'").fetchone()[0]

    def set_aside_count(self) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM outbox WHERE state IN (?, ?)", SET_ASIDE_STATES
            ).fetchone()[0]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
            delivered = self._db.execute("SELECT COUNT(*) FROM delivered").fetchone()[0]
        out = {"pending": 0, "rejected": 0, "unreadable": 0, **dict(rows)}
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
        failed, another is scheduled), ``rejected``, ``unreadable``, or None for a key never enqueued.

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


def read_set_aside(directory: str | os.PathLike[str]) -> list[dict] | None:
    """The items set aside in the journal under ``directory``, read-only (the kiosk may be running).

    Plain columns only (kind, key, state, attempts, error, when): the sealed payload stays
    sealed. None when there is no journal there.
    """
    path = Path(directory) / "journal.db"
    if not path.exists():
        return None
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT kind, idempotency_key, state, attempts, last_error, created_at FROM outbox"
            " WHERE state IN (?, ?) ORDER BY created_at",
            SET_ASIDE_STATES,
        ).fetchall()
    finally:
        conn.close()
    names = ("kind", "idempotency_key", "state", "attempts", "last_error", "created_at")
    return [dict(zip(names, row, strict=True)) for row in rows]
