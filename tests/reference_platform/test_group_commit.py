"""Group commit: writes queued together share one commit; nobody goes on before it, a failed one fails all."""

from __future__ import annotations

import sqlite3

import anyio
import pytest

from reference_platform import group_commit
from reference_platform.db import Database
from reference_platform.group_commit import BatchFailed, GroupCommit


@pytest.fixture
def store(tmp_path):
    db = Database(tmp_path / "p.db")
    with db.tx() as c:
        c.execute("CREATE TABLE t (n INTEGER)")
    yield db
    db.close()


def _run(store: Database, n: int, seen: list[int], told: list[int] | None = None) -> list[BaseException | None]:
    writes = GroupCommit(store)
    outcomes: list[BaseException | None] = [None] * n

    async def one(i: int) -> None:
        try:
            async with writes.turn() as batch:
                batch.conn.execute("INSERT INTO t VALUES (?)", (i,))
            await writes.committed(batch)
            if told is not None:
                told.append(i)
            # once told it committed, a fresh connection sees the row
            seen.append(store.one("SELECT COUNT(*) AS n FROM t WHERE n = ?", (i,))["n"])
        except BatchFailed as exc:
            outcomes[i] = exc

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(one, i)

    anyio.run(main)
    return outcomes


def test_requests_queued_together_share_one_fsync_and_nobody_goes_on_before_it(store, monkeypatch) -> None:
    syncs: list[int] = []
    on_disk: set[int] = set()
    real = Database.sync_wal

    def counting(self, commits=1):
        with sqlite3.connect(self.path) as other:  # what is committed when this fsync starts
            rows = {n for (n,) in other.execute("SELECT n FROM t")}
        real(self, commits)
        syncs.append(commits)
        on_disk.update(rows)

    monkeypatch.setattr(Database, "sync_wal", counting)
    seen: list[int] = []
    told: list[int] = []
    assert _run(store, 20, seen, told) == [None] * 20
    assert seen == [1] * 20
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 20
    assert 1 <= len(syncs) < 20 and sum(syncs) >= 1
    assert sorted(told) == list(range(20)) and on_disk >= set(told)  # each was told after an fsync covering it


def test_request_commits_leave_the_fsync_to_sync_wal(store) -> None:
    conn = store.begin_request()
    try:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: COMMIT writes the WAL, no fsync
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    finally:
        Database.end_request(conn, commit=False)
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL elsewhere


def test_a_failed_fsync_fails_its_members_and_every_later_write(store, monkeypatch) -> None:
    def failing(self, commits=1):
        raise OSError("EIO")

    monkeypatch.setattr(Database, "sync_wal", failing)
    writes = GroupCommit(store)
    outcomes: list[object] = []

    async def one(i: int) -> None:
        try:
            async with writes.turn() as batch:
                batch.conn.execute("INSERT INTO t VALUES (?)", (i,))
            await writes.committed(batch)
            outcomes.append("ok")
        except BatchFailed as exc:
            outcomes.append(exc)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(3):
                tg.start_soon(one, i)
        monkeypatch.setattr(Database, "sync_wal", lambda self, commits=1: None)  # the disk "recovers"
        await one(99)

    anyio.run(main)
    assert len(outcomes) == 4 and all(isinstance(o, BatchFailed) for o in outcomes)


def test_a_failed_commit_fails_every_member_and_keeps_nothing(store, monkeypatch) -> None:
    def failing(conn, *, commit):
        conn.execute("ROLLBACK")
        conn.close()
        raise OSError("disk gone")

    monkeypatch.setattr(Database, "end_request", staticmethod(failing))
    seen: list[int] = []
    outcomes = _run(store, 5, seen)
    assert all(isinstance(o, BatchFailed) for o in outcomes) and seen == []
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 0


@pytest.mark.parametrize("cancel_after_s", [0.0, 0.01, 0.05])
def test_a_member_cancelled_mid_turn_leaves_no_transaction_open(store, cancel_after_s) -> None:
    """A GET's nonce commit runs beside its route; a route that raises cancels it. Cancelled while
    the batch opened or committed, it once left the write transaction open for ever, so every
    later write of the platform failed with "database is locked"."""
    writes = GroupCommit(store, commit_delay_s=0.02)

    async def member() -> None:
        async with writes.turn() as batch:
            batch.conn.execute("INSERT INTO t VALUES (1)")
        await writes.committed(batch)

    async def main() -> None:
        with anyio.move_on_after(cancel_after_s):
            await member()

    for _ in range(5):
        anyio.run(main)
    conn = store.begin_request()  # waits at most busy_timeout; fails if a transaction was left open
    conn.execute("PRAGMA busy_timeout=0")
    Database.end_request(conn, commit=False)
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] in range(0, 6)


def test_riders_join_the_batch_of_whoever_holds_the_connection(store, monkeypatch) -> None:
    """A GET's nonce (``run``) queued while a turn is running is written in that turn's batch."""
    commits = []
    real = Database.end_request

    def counting(conn, *, commit):
        commits.append(commit)
        real(conn, commit=commit)

    monkeypatch.setattr(Database, "end_request", staticmethod(counting))
    writes = GroupCommit(store)
    results: list[int] = []

    async def holder() -> None:
        async with writes.turn() as batch:
            batch.conn.execute("INSERT INTO t VALUES (0)")
            await anyio.sleep(0.1)  # a sync route on a worker thread: the riders queue meanwhile
        await writes.committed(batch)

    async def rider(i: int) -> None:
        def work(conn) -> int:
            conn.execute("INSERT INTO t VALUES (?)", (i,))
            return i

        results.append(await writes.run(work))

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(holder)
            await anyio.sleep(0.02)
            for i in range(1, 11):
                tg.start_soon(rider, i)

    anyio.run(main)
    assert sorted(results) == list(range(1, 11))
    assert store.one("SELECT COUNT(*) AS n FROM t")["n"] == 11
    assert commits == [True]


def test_a_failing_rider_is_undone_alone_and_riders_during_a_commit_are_not_left_behind(store, monkeypatch) -> None:
    monkeypatch.setattr(group_commit, "STUCK_CHECK_S", 60.0)  # no rescue by the riders' own stuck check
    writes = GroupCommit(store, commit_delay_s=0.1)
    outcomes: dict[int, object] = {}

    def work(i: int):
        def insert(conn) -> int:
            conn.execute("INSERT INTO t VALUES (?)", (i,))
            if i == 3:
                raise ValueError("refused")
            return i

        return insert

    async def holder() -> None:
        async with writes.turn() as batch:
            batch.conn.execute("INSERT INTO t VALUES (0)")
        await writes.committed(batch)  # the batch commits for 0.1 s: the riders below queue meanwhile

    async def rider(i: int) -> None:
        try:
            outcomes[i] = await writes.run(work(i))
        except ValueError as exc:
            outcomes[i] = exc

    async def main() -> None:
        with anyio.fail_after(10):  # carried by the committer itself, not rescued a minute later
            async with anyio.create_task_group() as tg:
                tg.start_soon(holder)
                await anyio.sleep(0.03)
                for i in range(1, 5):
                    tg.start_soon(rider, i)

    anyio.run(main)
    assert [outcomes[i] for i in (1, 2, 4)] == [1, 2, 4] and isinstance(outcomes[3], ValueError)
    assert sorted(r["n"] for r in store.all("SELECT n FROM t")) == [0, 1, 2, 4]


def test_a_batch_opens_without_a_thread_only_when_nobody_else_writes(store) -> None:
    other = store.begin_request()  # another writer holds the database
    try:
        assert store.try_begin_request() is None
    finally:
        Database.end_request(other, commit=False)
    conn = store.try_begin_request()
    assert conn is not None and conn.in_transaction
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000  # waits again like any other
    Database.end_request(conn, commit=False)
