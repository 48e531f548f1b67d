"""Group commit: the writes of requests that arrive together share one SQLite transaction and one fsync.

With ``synchronous=FULL`` every commit waits for the disk (a few ms on a busy machine), and
SQLite has one writer at a time, so committing each request on its own caps the platform at
one request per fsync. Here the requests of this process take turns on one write connection
(``GroupCommit.turn``): each runs inside a savepoint of the open *batch* transaction (its
route's effect, its nonce and its stored idempotent answer together; rolled back to the
savepoint if it fails), then the batch is committed by the request that finds nobody else
queued behind it (or once the batch is full). Every member waits for that commit before it
answers, so nothing is acknowledged before it is on disk, and a crash before the commit
loses only requests that were never answered (the kiosks resend them with the same
idempotency keys).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import anyio.to_thread

from reference_platform.db import Database

log = logging.getLogger(__name__)

MAX_MEMBERS = 64
MAX_AGE_S = 0.05
"""A batch is committed once it holds this many requests or is this old, even with more queued."""
STUCK_CHECK_S = 0.5
"""A member waiting this long for its batch commits it itself (the one meant to may have been cancelled)."""


class BatchFailed(RuntimeError):
    """The batch a request belonged to did not commit: its effect is not on disk and it must answer 500."""


@dataclass
class Batch:
    conn: sqlite3.Connection
    started: float
    members: int = 0
    committed: anyio.Event = field(default_factory=anyio.Event)
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, db: Database, commit_delay_s: float = 0.0) -> None:
        self.db = db
        self.commit_delay_s = commit_delay_s
        """Fault injection for tests: hold each batch open this long before committing."""
        self._writer = anyio.Lock()
        self._batch: Batch | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[Batch]:
        """This request's turn on the write connection: ``batch.conn`` is in an open transaction.

        Make the changes inside the block (in a savepoint for anything that may need undoing);
        after it, wait for ``committed(batch)`` before answering.
        """
        async with self._writer:
            if self._batch is None:
                # Shielded: a member cancelled here (a GET's route raised beside its nonce commit)
                # must still record the transaction it opened, or nobody ever ends it.
                with anyio.CancelScope(shield=True):
                    # Nobody else writing (the usual case): open it here rather than on a worker thread.
                    conn = self.db.try_begin_request() or await anyio.to_thread.run_sync(self.db.begin_request)
                    self._batch = Batch(conn, time.monotonic())
            batch = self._batch
            try:
                yield batch
            finally:
                batch.members += 1
                waiting = self._writer.statistics().tasks_waiting
                if not waiting or batch.members >= MAX_MEMBERS or time.monotonic() - batch.started > MAX_AGE_S:
                    await self._commit(batch)

    async def committed(self, batch: Batch) -> None:
        """Wait until ``batch`` is on disk; ``BatchFailed`` if its commit failed."""
        while not batch.committed.is_set():
            with anyio.move_on_after(STUCK_CHECK_S):
                await batch.committed.wait()
            if not batch.committed.is_set():
                async with self._writer:
                    if self._batch is batch:
                        await self._commit(batch)
        if batch.error is not None:
            raise BatchFailed("the request's transaction did not commit") from batch.error

    async def _commit(self, batch: Batch) -> None:
        """Commit ``batch``, shielded: a cancelled committer would otherwise leave the write
        transaction open and the database locked for every later writer."""
        self._batch = None
        with anyio.CancelScope(shield=True):
            try:
                if self.commit_delay_s > 0:
                    log.warning("fault injection: holding the request transaction open %.2f s", self.commit_delay_s)
                    await anyio.sleep(self.commit_delay_s)
                await anyio.to_thread.run_sync(lambda: Database.end_request(batch.conn, commit=True))
            except BaseException as exc:
                batch.error = exc
                if not isinstance(exc, Exception):
                    raise
            finally:
                batch.committed.set()
