"""The reference platform's SQLite store (WAL): a small thread-safe handle on ``reference_platform.schema``.

One shared connection guarded by a lock serves reads and short changes (``with db.tx()
as c:``). A state-changing ``/v1`` request runs inside one *request transaction*
(``request_tx``) on a connection of its own: the route's changes, its idempotency record
and its nonce commit together or not at all, so an answer is never lost after its effect
and an effect never outlives a crash without its answer. Inside a request transaction
``tx``, ``one`` and ``all`` use that connection (``tx`` becomes a savepoint), found
through a context variable that follows the request into its worker thread.

Reads outside a request transaction go through one connection per thread (WAL: readers
never wait for the writer), so a read never queues behind a write's fsync. Nothing is
answered before its commit is on disk, which is what an acknowledged request promises the
kiosk: the shared connection commits with ``synchronous=FULL`` (fsync in the COMMIT); a
request transaction's COMMIT only writes its WAL frames (``synchronous=NORMAL``) and its
owner (``reference_platform.group_commit``) calls ``sync_wal`` before answering, so the
write lock is not held through the fsync and one fsync covers every commit before it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reference_platform.schema import SCHEMA

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 200
"""Request commits between two checkpoints, run by ``sync_wal`` off the event loop (the request
connections do not checkpoint on their own: a COMMIT that did would stall the loop for two fsyncs).
A request commit writes a handful of pages: this keeps the WAL near SQLite's default 1,000 pages."""

BUSY_TIMEOUT_MS = 10_000
"""How long a connection waits for another writer before giving up with ``database is locked``."""


class _Connection(sqlite3.Connection):
    """A connection that knows which ``Database`` lends it out for request transactions."""

    home: Database | None = None


_request_conn: contextvars.ContextVar[sqlite3.Connection | None] = contextvars.ContextVar(
    "reference_platform_request_conn", default=None
)


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = self._connect()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(SCHEMA)
        self._migrate()
        self._readers = threading.local()
        self._opened: weakref.WeakSet[_Connection] = weakref.WeakSet()
        """Read connections, to close with the store (a thread's own goes with the thread)."""
        self._spare: list[_Connection] = []
        self._closed = False
        self._commits_since_checkpoint = 0
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: threading.Thread | None = None

    def _connect(self) -> _Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, factory=_Connection)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's read connection (None for ``:memory:``, which is the one shared connection)."""
        if self.path == ":memory:" or self._closed:
            return None
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            with self._lock:
                self._opened.add(conn)
        return conn

    def _migrate(self) -> None:
        """Bring a database made by an older version up to the schema above."""
        with self.tx() as c:
            columns = {row["name"] for row in c.execute("PRAGMA table_info(person_sessions)")}
            if "issued_at" not in columns:  # sessions then lived 15 minutes from issue
                c.execute("ALTER TABLE person_sessions ADD COLUMN issued_at REAL")
                c.execute("UPDATE person_sessions SET issued_at = expires_at - 900")
            if "ended_at" not in columns:
                c.execute("ALTER TABLE person_sessions ADD COLUMN ended_at REAL")
            if "kiosk_id" not in {row["name"] for row in c.execute("PRAGMA table_info(queue_tickets)")}:
                c.execute("ALTER TABLE queue_tickets ADD COLUMN kiosk_id TEXT NOT NULL DEFAULT 'counter'")
            if "expires_at" not in {row["name"] for row in c.execute("PRAGMA table_info(enrolment_codes)")}:
                c.execute("ALTER TABLE enrolment_codes ADD COLUMN expires_at REAL")

    def _request_connection(self) -> _Connection:
        """A spare write connection, or a new one (a :memory: database has only its one)."""
        if self.path == ":memory:":
            raise RuntimeError("request transactions need a database file (a :memory: database is one connection)")
        with self._lock:
            conn = self._spare.pop() if self._spare else None
        if conn is None:
            conn = self._connect()
            # Its COMMIT writes the WAL frames and returns; the fsync is ``sync_wal``'s, and so are checkpoints.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.home = self
        return conn

    def begin_request(self) -> sqlite3.Connection:
        """Open a request transaction (BEGIN IMMEDIATE on a connection of its own).

        Blocks until no other writer holds the database; call it off the event loop.
        Hand the connection to ``bind_request`` in the request's context, and end it
        with ``end_request``. Its commit is written but not on disk until ``sync_wal``
        returns: answer nobody before that.
        """
        conn = self._request_connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            conn.close()
            raise
        return conn

    def try_begin_request(self) -> sqlite3.Connection | None:
        """``begin_request`` without waiting: None when another writer holds the database.

        Safe on the event loop: BEGIN IMMEDIATE touches only the WAL index in shared memory, and
        with no busy handler it answers at once instead of sleeping while someone else writes.
        """
        conn = self._request_connection()
        try:
            conn.execute("PRAGMA busy_timeout=0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    raise
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                self._give_back(conn)
                return None
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _give_back(self, conn: _Connection) -> None:
        """Keep a finished request transaction's connection for the next one (opening one costs a WAL attach)."""
        with self._lock:
            if self._closed or conn.in_transaction:
                conn.close()
            else:
                self._spare.append(conn)

    def sync_wal(self, commits: int = 1) -> None:
        """Make every request commit so far durable: fsync the write-ahead log (blocking; off the loop).

        A committed transaction's frames are in the WAL file once its COMMIT returned (SQLite
        writes them with ``pwrite``, no buffering of its own); ``fdatasync`` on any descriptor of
        that file flushes all of its data and the size when it grew, which is what SQLite's own
        ``synchronous=FULL`` does on Linux (a full ``fsync`` would also wait to journal the changed
        modification time, queueing behind every other process's metadata on the same file system).
        A sync started while another is in flight still covers everything written before it (it
        waits for the pages the other is writing). SQLite keeps the WAL file while a connection is
        open, so the path names the file the commits went to. ``commits``: how many request commits this sync
        covers; every ``CHECKPOINT_EVERY`` of them the WAL is also copied back into the database,
        on a thread of its own so no later fsync waits for it (``_checkpoint``).
        """
        fd = os.open(self.path + "-wal", os.O_RDONLY)
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
        with self._lock:
            self._commits_since_checkpoint += commits
            if self._commits_since_checkpoint < CHECKPOINT_EVERY or self._closed:
                return
            if self._checkpointing is not None and self._checkpointing.is_alive():
                return
            self._commits_since_checkpoint = 0
            self._checkpointing = threading.Thread(target=self._checkpoint, name="wal-checkpoint", daemon=True)
            self._checkpointing.start()

    def _checkpoint(self) -> None:
        """Copy the WAL back into the database (passive: writers and readers go on). On a connection
        with ``synchronous=FULL`` SQLite syncs the WAL before and the database after, as its own
        automatic checkpoints do, so the WAL may then be reused from its start."""
        with self._lock:
            if self._closed:
                return
            if self._checkpointer is None:
                self._checkpointer = self._connect()
                self._opened.add(self._checkpointer)
            checkpointer = self._checkpointer
        try:
            checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:  # closed meanwhile, or busy: the next one catches up
            log.warning("WAL checkpoint did not run", exc_info=True)

    @staticmethod
    def bind_request(conn: sqlite3.Connection | None) -> contextvars.Token:
        """Make ``tx``/``one``/``all`` in this context (and threads it spawns) use ``conn``."""
        return _request_conn.set(conn)

    @staticmethod
    def unbind_request(token: contextvars.Token) -> None:
        _request_conn.reset(token)

    @staticmethod
    def end_request(conn: sqlite3.Connection, *, commit: bool) -> None:
        """Commit or roll back a request transaction and hand its connection back (closed on failure)."""
        try:
            conn.execute("COMMIT" if commit else "ROLLBACK")
        except BaseException:
            conn.close()
            raise
        home = getattr(conn, "home", None)
        if home is None:
            conn.close()
        else:
            home._give_back(conn)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One atomic transaction; rolled back if the block raises.

        Inside a request transaction it is a savepoint of that transaction: the block's
        changes are undone if it raises, and kept only if the request commits.
        """
        conn = _request_conn.get()
        if conn is not None:
            conn.execute("SAVEPOINT tx")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK TO tx")
                conn.execute("RELEASE tx")
                raise
            conn.execute("RELEASE tx")
            return
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        conn = _request_conn.get() or self._reader()
        if conn is not None:
            return conn.execute(sql, params).fetchone()
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        conn = _request_conn.get() or self._reader()
        if conn is not None:
            return conn.execute(sql, params).fetchall()
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row["value"]

    def is_seeded(self) -> bool:
        return self.meta("seeded_at") is not None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for conn in [*list(self._opened), *self._spare]:
                conn.close()
            self._opened.clear()
            self._spare.clear()
            self._conn.close()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
