"""``open_store``: every durable store is private and fsyncs its commits."""

import sqlite3
import stat

from kiosk.services.store import open_store


def test_a_new_store_is_private_and_durable(tmp_path):
    path = tmp_path / "state" / "x.db"
    db = open_store(path, wal_keep_bytes=4096)
    db.execute("CREATE TABLE t (v)")
    db.execute("INSERT INTO t VALUES (1)")  # autocommit: on disk when it returns
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA journal_size_limit").fetchone()[0] == 4096
    other = sqlite3.connect(path)
    assert other.execute("SELECT v FROM t").fetchall() == [(1,)]
    other.close()
    db.close()


def test_an_existing_store_keeps_its_rows(tmp_path):
    path = tmp_path / "x.db"
    first = open_store(path)
    first.execute("CREATE TABLE t (v)")
    first.execute("INSERT INTO t VALUES ('kept')")
    first.close()
    again = open_store(path)
    assert again.execute("SELECT v FROM t").fetchall() == [("kept",)]
    again.close()
