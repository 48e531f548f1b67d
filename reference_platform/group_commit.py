"""Group commit: the writes of requests that arrive together share one SQLite transaction and one fsync.

Every acknowledged commit waits for the disk (a few ms on a busy machine), and
SQLite has one writer at a time, so committing each request on its own caps the platform at
one request per fsync. Here the requests of this process take turns on one write connection
(``GroupCommit.turn``): each runs inside a savepoint of the open *batch* transaction (its
route's effect, its nonce and its stored idempotent answer together; rolled back to the
savepoint if it fails), then the batch is committed by the request that finds nobody else
queued behind it (or once the batch is full). Every member waits for that commit before it
answers, so nothing is acknowledged before it is on disk, and a crash before the commit
loses only requests that were never answered (the kiosks resend them with the same
idempotency keys).

The commit itself is split in two (``Database.begin_request``): the batch's COMMIT runs on the
event loop and only writes its WAL frames (``synchronous=NORMAL`` on the request connections:
``write()`` into the page cache, tens of microseconds, and the write lock is free again at
once), then ``Database.sync_wal`` fsyncs the WAL on a worker thread while the next batch
already runs (up to ``MAX_SYNCS`` at once). One fsync covers every batch written before it
started, and no write is answered before an fsync that covers its batch: an acknowledged write
survives a crash of the process (it is in the kernel once COMMIT returns) and a power cut (it
is on disk before the answer). Committed-but-not-yet-synced rows are visible to other
connections for the length of one fsync, but not acknowledged to their writers. A GET, which
acknowledges no write, is answered once its nonce is committed (``run(..., durable=False)``),
which a crash of the process does not undo. If an fsync fails, what is on disk is unknown:
every later wait fails too (500) until the process restarts and SQLite recovers the WAL.

Short synchronous work that needs no turn of its own (a GET's nonce: ``GroupCommit.run``)
rides along: while someone holds the write connection it is queued, and the holder runs it
in its batch before that batch may commit. Handing the connection from task to task costs a
pass of the event loop each (every other ready request is served in between), so under load
a batch filled by turns alone stays open for tens of milliseconds; a rider costs no pass.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio
import anyio.to_thread

from reference_platform.db import Database

log = logging.getLogger(__name__)

MAX_MEMBERS = 64
MAX_AGE_S = 0.05
"""A batch is committed once it holds this many requests or is this old, even with more queued."""
MAX_SYNCS = 2
"""fsyncs of the WAL in flight at once (``GroupCommit._durable``)."""
STUCK_CHECK_S = 0.5
"""A member waiting this long for its batch commits it itself (the one meant to may have been cancelled)."""

T = TypeVar("T")


class BatchFailed(RuntimeError):
    """The batch a request belonged to did not commit: its effect is not on disk and it must answer 500."""


@dataclass
class Batch:
    conn: sqlite3.Connection
    started: float
    members: int = 0
    committed: anyio.Event = field(default_factory=anyio.Event)
    """Set once the batch's COMMIT ran (or failed): its frames are written, not yet on disk."""
    error: BaseException | None = None
    seq: int = 0
    """Its place in the order of writes (``GroupCommit._written``), for the fsync that covers it."""
    result: Any = None
    """What the work of a batch of one (``GroupCommit._alone``) returned."""


@dataclass
class _Rider(Generic[T]):
    """Work queued by ``GroupCommit.run`` for the connection's holder to run in its batch."""

    work: Callable[[sqlite3.Connection], T]
    done: anyio.Event = field(default_factory=anyio.Event)
    batch: Batch | None = None
    result: Any = None
    error: Exception | None = None


class GroupCommit:
    def __init__(self, db: Database, commit_delay_s: float = 0.0) -> None:
        self.db = db
        self.commit_delay_s = commit_delay_s
        """Fault injection for tests: hold each batch open this long before committing."""
        # fast_acquire: a free connection is taken without first yielding to the event loop (which
        # would hold it through a whole pass of the loop while every other ready request runs).
        self._writer = anyio.Lock(fast_acquire=True)
        self._batch: Batch | None = None
        self._riders: list[_Rider[Any]] = []
        self._written = 0
        """Batches committed so far (their frames in the WAL)."""
        self._synced = 0
        """Batches known to be on disk: every one up to this ``seq``."""
        self._syncs: list[tuple[int, anyio.Event]] = []
        """The fsyncs in flight: the last batch each covers, and an event set when it ends."""
        self._sync_counted = 0
        """Batches already counted towards the next checkpoint (``Database.sync_wal``)."""
        self._sync_error: BaseException | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[Batch]:
        """This request's turn on the write connection: ``batch.conn`` is in an open transaction.

        Make the changes inside the block (in a savepoint for anything that may need undoing);
        after it, wait for ``committed(batch)`` before answering.
        """
        async with self._writer:
            batch = await self._open()
            try:
                yield batch
            finally:
                batch.members += 1
                self._take_riders(batch)
                waiting = self._writer.statistics().tasks_waiting
                if not waiting or batch.members >= MAX_MEMBERS or time.monotonic() - batch.started > MAX_AGE_S:
                    await self._commit(batch)
                    await self._carry_riders()

    async def run(self, work: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run ``work`` (short and synchronous) on the write connection in a savepoint of a batch and
        return its result once that batch is on disk (``durable``; else once it is committed, which a
        crash of the process does not undo): ``BatchFailed`` if the commit failed, whatever ``work``
        raised (its changes undone) if it failed."""
        if not self._writer.locked() and not self.commit_delay_s:
            batch = self._alone(work)
            if batch is not None:  # nobody else was writing: done without a turn (the usual GET)
                await self.committed(batch, durable=durable)
                return batch.result
        if not self._writer.locked():
            async with self.turn() as batch:
                result = _in_savepoint(batch.conn, work)
            await self.committed(batch, durable=durable)
            return result
        rider: _Rider[T] = _Rider(work)
        self._riders.append(rider)
        while not rider.done.is_set():
            with anyio.move_on_after(STUCK_CHECK_S):
                await rider.done.wait()
            if not rider.done.is_set():  # the holder was cancelled before it could take us along
                async with self._writer:
                    if not rider.done.is_set():
                        batch = await self._open()
                        self._take_riders(batch)
                        await self._commit(batch)
                    await self._carry_riders()
        if rider.error is not None:
            raise rider.error
        assert rider.batch is not None
        await self.committed(rider.batch, durable=durable)
        return rider.result

    def _alone(self, work: Callable[[sqlite3.Connection], Any]) -> Batch | None:
        """``work`` in a batch of its own, opened and committed without yielding to the event loop
        (so nobody can join or interleave, and no lock or savepoint is needed); None when another
        connection holds the database (then ``run`` takes a turn and waits). The result is the
        batch's ``result``; what ``work`` raises is raised, its changes rolled back."""
        conn = self.db.try_begin_request()
        if conn is None:
            return None
        try:
            result = work(conn)
        except BaseException:
            Database.end_request(conn, commit=False)
            raise
        batch = Batch(conn, time.monotonic(), members=1, result=result)
        try:
            Database.end_request(conn, commit=True)
            self._written += 1
            batch.seq = self._written
        except Exception as exc:
            batch.error = exc
        batch.committed.set()
        return batch

    async def committed(self, batch: Batch, *, durable: bool = True) -> None:
        """Wait until ``batch`` is on disk (or only committed: ``durable=False``); ``BatchFailed`` if
        its commit or the fsync failed."""
        while not batch.committed.is_set():
            with anyio.move_on_after(STUCK_CHECK_S):
                await batch.committed.wait()
            if not batch.committed.is_set():
                async with self._writer:
                    if self._batch is batch:
                        await self._commit(batch)
                    await self._carry_riders()
        if batch.error is not None:
            raise BatchFailed("the request's transaction did not commit") from batch.error
        if durable:
            await self._durable(batch.seq)
        elif self._sync_error is not None:
            raise BatchFailed("the write-ahead log could not be synced to disk") from self._sync_error

    async def _durable(self, seq: int) -> None:
        """Return once the batch numbered ``seq`` is on disk. A sync covers every batch written before
        it started; one that started too early for ``seq`` is not waited for: a second one starts
        beside it (at most ``MAX_SYNCS`` in flight), so a write waits for one fsync, not for the rest
        of another one and then its own."""
        while self._synced < seq and self._sync_error is None:
            covering = next((done for target, done in self._syncs if target >= seq), None)
            if covering is not None or len(self._syncs) >= MAX_SYNCS:
                await (covering or self._syncs[0][1]).wait()
                continue
            sync = (self._written, anyio.Event())
            self._syncs.append(sync)
            try:
                # Shielded: a cancelled waiter must not leave the fsync half-way nor its entry behind.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(self.db.sync_wal, sync[0] - self._sync_counted)
                self._sync_counted = max(self._sync_counted, sync[0])
                self._synced = max(self._synced, sync[0])
            except Exception as exc:
                log.critical("fsync of the WAL failed; every write from now on answers 500: %s", exc)
                self._sync_error = exc
            finally:
                self._syncs.remove(sync)
                sync[1].set()
        if self._synced < seq:
            raise BatchFailed("the write-ahead log could not be synced to disk") from self._sync_error

    async def _open(self) -> Batch:
        """The open batch, opened if there is none (call holding the writer lock)."""
        if self._batch is None:
            # Shielded: a member cancelled here (a GET's route raised beside its nonce commit)
            # must still record the transaction it opened, or nobody ever ends it.
            with anyio.CancelScope(shield=True):
                # Nobody else writing (the usual case): opened here rather than on a worker thread.
                conn = self.db.try_begin_request() or await anyio.to_thread.run_sync(self.db.begin_request)
                self._batch = Batch(conn, time.monotonic())
        return self._batch

    def _take_riders(self, batch: Batch) -> None:
        """Run every queued rider in ``batch``: synchronously, so none is added meanwhile."""
        riders, self._riders = self._riders, []
        for rider in riders:
            try:
                rider.result = _in_savepoint(batch.conn, rider.work)
            except Exception as exc:
                rider.error = exc
            rider.batch = batch
            batch.members += 1
            rider.done.set()

    async def _carry_riders(self) -> None:
        """Riders that queued during a commit: when nobody is waiting for the connection (who would
        take them along), they get a batch of their own (call holding the writer lock)."""
        while self._riders and not self._writer.statistics().tasks_waiting:
            batch = await self._open()
            self._take_riders(batch)
            await self._commit(batch)

    async def _commit(self, batch: Batch) -> None:
        """Commit ``batch`` on the event loop (its frames are written, not synced: ``committed``
        syncs), shielded: a cancelled committer would otherwise leave the write transaction open
        and the database locked for every later writer."""
        self._batch = None
        with anyio.CancelScope(shield=True):
            try:
                if self.commit_delay_s > 0:
                    log.warning("fault injection: holding the request transaction open %.2f s", self.commit_delay_s)
                    await anyio.sleep(self.commit_delay_s)
                Database.end_request(batch.conn, commit=True)
                self._written += 1
                batch.seq = self._written
            except BaseException as exc:
                batch.error = exc
                if not isinstance(exc, Exception):
                    raise
            finally:
                batch.committed.set()


def _in_savepoint(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """``work(conn)``, undone alone if it raises (the batch's other members keep theirs)."""
    conn.execute("SAVEPOINT rider")
    try:
        result = work(conn)
    except BaseException:
        conn.execute("ROLLBACK TO rider")
        conn.execute("RELEASE rider")
        raise
    conn.execute("RELEASE rider")
    return result
