"""The reference platform's SQLite store (WAL): schema and a small thread-safe handle.

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

log = logging.getLogger(__name__)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id TEXT PRIMARY KEY, secret TEXT NOT NULL, site_name TEXT NOT NULL DEFAULT '',
    hardware_id TEXT NOT NULL DEFAULT '', enrolled_at TEXT NOT NULL,
    last_heartbeat TEXT, last_heartbeat_json TEXT);
CREATE TABLE IF NOT EXISTS heartbeat_history (
    id INTEGER PRIMARY KEY, kiosk_id TEXT NOT NULL, received_at REAL NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS heartbeat_history_kiosk ON heartbeat_history (kiosk_id, id);
CREATE TABLE IF NOT EXISTS technician_unlocks (kiosk_id TEXT PRIMARY KEY, requested_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS technicians (
    technician_id TEXT PRIMARY KEY, name TEXT NOT NULL, pin_hash TEXT NOT NULL, sites_json TEXT NOT NULL,
    kiosks_json TEXT NOT NULL, issued_at REAL NOT NULL, revoked_at REAL);
CREATE TABLE IF NOT EXISTS technician_audit (
    audit_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, received_at TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code TEXT PRIMARY KEY, uses_left INTEGER NOT NULL, expires_at REAL);
CREATE TABLE IF NOT EXISTS nonces (
    kiosk_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at REAL NOT NULL,
    PRIMARY KEY (kiosk_id, nonce));
CREATE TABLE IF NOT EXISTS idempotency (
    kiosk_id TEXT NOT NULL, key TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    body_sha256 TEXT NOT NULL, status INTEGER, headers TEXT, body BLOB, created_at REAL NOT NULL,
    PRIMARY KEY (kiosk_id, key));
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at);
CREATE TABLE IF NOT EXISTS categories (code TEXT PRIMARY KEY, json TEXT NOT NULL, ord INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS services (code TEXT PRIMARY KEY, json TEXT NOT NULL, ord INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS person_documents (
    doc_type TEXT NOT NULL, doc_number TEXT NOT NULL, person_id TEXT NOT NULL,
    PRIMARY KEY (doc_type, doc_number));
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY, id_number TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '', card_type TEXT NOT NULL, gender TEXT NOT NULL,
    birth_date TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '',
    nationality TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS app_tokens (token TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES persons);
CREATE TABLE IF NOT EXISTS face_photos (
    person_id TEXT PRIMARY KEY REFERENCES persons, photo BLOB NOT NULL, descriptor BLOB);
CREATE TABLE IF NOT EXISTS face_checks (
    id_hash TEXT NOT NULL, masked_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, at REAL NOT NULL,
    outcome TEXT NOT NULL, score REAL, reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS face_checks_by_id ON face_checks (id_hash, at);
CREATE TABLE IF NOT EXISTS person_sessions (
    token TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES persons, kiosk_id TEXT NOT NULL,
    expires_at REAL NOT NULL, issued_at REAL, ended_at REAL);
CREATE TABLE IF NOT EXISTS records (
    person_id TEXT NOT NULL REFERENCES persons, kind TEXT NOT NULL, seq INTEGER NOT NULL,
    json TEXT NOT NULL, PRIMARY KEY (person_id, kind, seq));
CREATE TABLE IF NOT EXISTS bills (
    ref TEXT PRIMARY KEY, service_code TEXT NOT NULL, person_id TEXT, description TEXT NOT NULL,
    description_en TEXT NOT NULL, amount_fen INTEGER NOT NULL, paid_order TEXT);
CREATE TABLE IF NOT EXISTS cases (
    case_no TEXT PRIMARY KEY, service_code TEXT NOT NULL, person_id TEXT NOT NULL,
    kiosk_id TEXT NOT NULL, idempotency_key TEXT, content_sha256 TEXT NOT NULL,
    status TEXT NOT NULL, receipt_code TEXT UNIQUE NOT NULL, received_at TEXT NOT NULL,
    promised_by TEXT, form_json TEXT NOT NULL, materials_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, service_code TEXT NOT NULL, case_no TEXT,
    person_id TEXT, items_json TEXT NOT NULL, amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    status TEXT NOT NULL, mode TEXT NOT NULL, channel TEXT, receipt_code TEXT,
    created_at REAL NOT NULL, expires_at REAL NOT NULL, paid_at REAL, refunded_at REAL);
CREATE TABLE IF NOT EXISTS charges (
    charge_id TEXT PRIMARY KEY, order_id TEXT UNIQUE NOT NULL REFERENCES orders,
    channel TEXT NOT NULL, code_hash TEXT, amount_fen INTEGER NOT NULL, charged_at REAL NOT NULL,
    refunded_at REAL);
CREATE TABLE IF NOT EXISTS used_payment_codes (code_hash TEXT PRIMARY KEY, used_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    cert_id TEXT PRIMARY KEY, person_id TEXT NOT NULL REFERENCES persons, kind TEXT NOT NULL,
    name TEXT NOT NULL, name_en TEXT NOT NULL, issuer TEXT NOT NULL, issuer_en TEXT NOT NULL,
    issued_on TEXT NOT NULL, valid_until TEXT, verification_code TEXT UNIQUE NOT NULL,
    status TEXT NOT NULL, service_code TEXT NOT NULL, print_fee_fen INTEGER NOT NULL,
    body_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS appointment_slots (
    slot_id TEXT PRIMARY KEY, service_code TEXT NOT NULL, day TEXT NOT NULL, start TEXT NOT NULL,
    end_ TEXT NOT NULL, capacity INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS appointments (
    code TEXT PRIMARY KEY, slot_id TEXT NOT NULL REFERENCES appointment_slots,
    person_id TEXT NOT NULL REFERENCES persons, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue_tickets (
    ticket_id TEXT PRIMARY KEY, number TEXT NOT NULL, service_code TEXT NOT NULL, window TEXT NOT NULL,
    window_en TEXT NOT NULL, person_id TEXT, appointment_code TEXT, issued_at REAL NOT NULL,
    served INTEGER NOT NULL DEFAULT 0, kiosk_id TEXT NOT NULL DEFAULT 'counter');
CREATE TABLE IF NOT EXISTS ratings (
    rating_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, service_code TEXT NOT NULL, case_no TEXT,
    person_id TEXT, level TEXT NOT NULL, reasons TEXT NOT NULL, text TEXT NOT NULL,
    contact TEXT NOT NULL, follow_up INTEGER NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS help_calls (
    call_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, reason TEXT NOT NULL, screen TEXT NOT NULL,
    service_code TEXT, note TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS announcements (
    announcement_id TEXT PRIMARY KEY, json TEXT NOT NULL, valid_from REAL NOT NULL, valid_until REAL);
CREATE TABLE IF NOT EXISTS remote_actions (
    action_id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, kind TEXT NOT NULL, params_json TEXT NOT NULL,
    issued_by TEXT NOT NULL, issued_at REAL NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    detail TEXT NOT NULL DEFAULT '', acked_at REAL, payload_kind TEXT, payload BLOB);
CREATE INDEX IF NOT EXISTS remote_actions_kiosk ON remote_actions (kiosk_id, status, issued_at);
CREATE TABLE IF NOT EXISTS remote_action_acks (
    id INTEGER PRIMARY KEY, action_id TEXT NOT NULL REFERENCES remote_actions, status TEXT NOT NULL,
    detail TEXT NOT NULL, received_at REAL NOT NULL, payload_kind TEXT);
CREATE TABLE IF NOT EXISTS visit_summaries (
    kiosk_id TEXT NOT NULL, visit_id TEXT NOT NULL, day TEXT NOT NULL, started_at REAL NOT NULL,
    ended_at REAL NOT NULL, language TEXT NOT NULL, elder_mode INTEGER NOT NULL, outcome TEXT NOT NULL,
    pages_thermal INTEGER NOT NULL, pages_a4 INTEGER NOT NULL, payments INTEGER NOT NULL,
    payments_fen INTEGER NOT NULL, queue_tickets INTEGER NOT NULL, received_at REAL NOT NULL,
    PRIMARY KEY (kiosk_id, visit_id));
CREATE INDEX IF NOT EXISTS visit_summaries_day ON visit_summaries (day, kiosk_id);
CREATE TABLE IF NOT EXISTS visit_service_uses (
    kiosk_id TEXT NOT NULL, visit_id TEXT NOT NULL, seq INTEGER NOT NULL, day TEXT NOT NULL,
    service_code TEXT, journey TEXT NOT NULL, last_step TEXT NOT NULL, completed INTEGER NOT NULL,
    abandoned_at TEXT, duration_s REAL NOT NULL, PRIMARY KEY (kiosk_id, visit_id, seq));
CREATE INDEX IF NOT EXISTS visit_service_uses_day ON visit_service_uses (day, kiosk_id);
"""

# Any change to the catalogue's rows (by the platform or by hand) moves catalog_rev, so the
# served catalogue is rebuilt only then (routes.catalog) without reading every row per request.
SCHEMA += "".join(
    f"""CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_rev AFTER {event} ON {table} BEGIN
    INSERT INTO meta (key, value) VALUES ('catalog_rev', '1')
    ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1; END;
"""
    for table in ("categories", "services") for event in ("INSERT", "UPDATE", "DELETE"))

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
