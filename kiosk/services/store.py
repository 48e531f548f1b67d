"""Opening the kiosk's durable SQLite stores (journal, payment ledger, reprint table) one way.

Each store promises something to a citizen that must outlive a crash or a power cut, so
a commit has to be on disk when it returns: write-ahead log with ``synchronous=FULL``
(the WAL is fsynced at every commit). The file is created ``0600`` before SQLite opens
it (SQLite gives its ``-wal`` and ``-shm`` files the same mode), because two of the
stores hold personal or payment data. Connections are in autocommit mode, so a statement
is its own transaction unless the caller says ``BEGIN``, and may be used from the worker
threads; each store keeps its own lock.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another connection's lock (the chaos verdict reads the stores live)."""


def open_store(path: Path, *, wal_keep_bytes: int | None = None) -> sqlite3.Connection:
    """The database at ``path`` (and its folder, ``0700``), created if missing, ready for durable writes.

    ``wal_keep_bytes`` caps what the write-ahead log keeps after a checkpoint (it never
    shrinks otherwise): for a store that writes a lot between checkpoints.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # SQLite takes an empty file as a new database
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    if wal_keep_bytes is not None:
        db.execute(f"PRAGMA journal_size_limit={int(wal_keep_bytes)}")
    return db
