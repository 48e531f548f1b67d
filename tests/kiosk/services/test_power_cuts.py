"""Power cuts on the journal, the payment ledger and the reprint table (devtools/powercut).

A cut keeps, per file, only what SQLite had synced (a torn cut some of the rest too);
the stores are reopened on that disk with their own code. What they acknowledged must
be there exactly once, and the operation in flight all there or not at all.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from pathlib import Path

import pytest

from devtools.powercut.disk import DiskLog, disk_after_cut, recorder
from devtools.powercut.workload import check_cut, power_cuts, record_run, weakened_sync
from kiosk.services.ledger import PaymentLedger
from kiosk.services.store import open_store

CUTS = 60


def test_nothing_acknowledged_is_lost_duplicated_or_half_done(tmp_path: Path) -> None:
    result = power_cuts(16, CUTS, tmp_path)
    assert result["cuts"] == CUTS
    assert (result["lost"], result["duplicated"], result["half_done"], result["corrupt"]) == (0, 0, 0, 0), \
        result["examples"]
    assert result["acknowledged"] > CUTS
    # the cuts really took writes away, and torn cuts kept some unsynced ones
    assert result["torn"] > 0 and result["unsynced_writes_lost"] > 0 and result["unsynced_writes_kept"] > 0


@pytest.mark.parametrize("level", ["NORMAL", "OFF"])
def test_cuts_catch_stores_that_do_not_sync_each_commit(tmp_path: Path, level: str) -> None:
    with weakened_sync(level):
        result = power_cuts(16, CUTS, tmp_path)
    assert result["lost"] + result["corrupt"] > 0


def test_a_cut_keeps_what_was_synced_and_loses_the_rest(tmp_path: Path) -> None:
    log = DiskLog()
    path = str(tmp_path / "f")
    log.add(("write", path, 0, b"aaaa"))
    log.add(("sync", path))
    log.add(("write", path, 2, b"bb"))
    log.add(("truncate", path, 3))
    assert disk_after_cut(log, 2).files == {path: b"aaaa"}
    assert disk_after_cut(log, 1).files == {}
    log.add(("sync", path))
    assert disk_after_cut(log, 5).files == {path: b"aab"}
    log.add(("delete", path))
    assert disk_after_cut(log, 6).files == {}


def test_the_shim_sees_the_stores_own_connections(tmp_path: Path) -> None:
    log = recorder().watch(tmp_path)
    try:
        db = open_store(tmp_path / "x.db")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        db.close()
    finally:
        recorder().stop()
    synced = {Path(e[1]).name for e in log.entries if e[0] == "sync"}
    assert "x.db-wal" in synced
    cut = disk_after_cut(log, len(log.entries))
    (tmp_path / "after").mkdir()
    for name, data in cut.files.items():
        (tmp_path / "after" / Path(name).name).write_bytes(data)
    with sqlite3.connect(tmp_path / "after" / "x.db") as db:
        assert db.execute("SELECT x FROM t").fetchall() == [(1,)]


def _attempt_in_two_transactions(self: PaymentLedger, order_id: str) -> str:
    """``begin_attempt`` as it was before: the attempt and its event committed one after the other."""
    key = str(uuid.uuid4())
    with self._lock:
        self._db.execute("UPDATE orders SET attempt_key = ?, state = 'pending', updated_at = ? WHERE order_id = ?"
                         " AND attempt_key IS NULL", (key, time.time(), order_id))
        self._db.execute("INSERT INTO order_events VALUES (?, 'pending', ?)", (order_id, time.time()))
    return key


def test_cuts_catch_an_operation_split_over_two_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PaymentLedger, "begin_attempt", _attempt_in_two_transactions)
    run = record_run(random.Random(4), 30, tmp_path)
    assert any(op.name == "attempt" for op in run.ops)
    half_done = sum(check_cut(run, at, tmp_path, None)[0]["half_done"] for at in range(len(run.log.entries) + 1))
    assert half_done > 0
