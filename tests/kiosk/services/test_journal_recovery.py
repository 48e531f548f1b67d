"""The journal recovers by itself: an unreadable row never stops the others, and the size
bound frees up again once items are delivered (no restart needed)."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.config import DEMO_SECRET
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from kiosk.platform.transport import RetryPolicy
from kiosk.services.journal import Journal, JournalFull
from kiosk.services.outbox import OutboxSender, send_item
from reference_platform.server import ServerHandle, serve_in_thread
from tests.waiting import eventually

PHONE = "13812341234"
RATING = {"service_code": "440100-ZW-0901", "level": "dissatisfied", "reasons": ["slow"],
          "contact": PHONE}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = serve_in_thread(tmp_path_factory.mktemp("platform") / "platform.db", always_open=True)
    yield handle
    handle.stop()


@pytest.fixture
def send(platform: ServerHandle, tmp_path: Path) -> Iterator[Callable]:
    client = PlatformClient(platform.url, DEMO_KIOSK_ID, DEMO_SECRET, cache_dir=tmp_path / "cache",
                            retry=RetryPolicy(attempts=1))
    yield lambda item: send_item(client, item)
    client.close()


def _on_platform(platform: ServerHandle, rating_id: str) -> bool:
    with sqlite3.connect(platform.db_path) as db:
        return db.execute("SELECT 1 FROM ratings WHERE rating_id = ?", (rating_id,)).fetchone() is not None


def _running(journal: Journal, send: Callable, **kw) -> OutboxSender:
    sender = OutboxSender(journal, send, poll_s=0.05, first_delay_s=0.05, **kw)
    sender.start()
    return sender


def _unreadable_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR and "cannot be read (" in r.getMessage()]


# -- 1. an unreadable row never stops the sender ------------------------------------------------
def test_lost_key_sets_old_rows_aside_and_new_rows_still_reach_the_platform(
        tmp_path: Path, platform: ServerHandle, send: Callable, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "journal"
    j = Journal(folder)
    old = [j.enqueue("rating", RATING) for _ in range(2)]  # queued while the platform was away
    j.close()
    sealed_before = sqlite3.connect(folder / "journal.db").execute(
        "SELECT idempotency_key, sealed FROM outbox ORDER BY id").fetchall()
    (folder / "journal.key").unlink()  # the key file is lost

    caplog.set_level(logging.INFO)
    j = Journal(folder)
    replaced = [r for r in caplog.records if r.levelno == logging.ERROR and "journal.key" in r.getMessage()]
    assert replaced, "a new key replaced the lost one silently"
    assert str(folder / "journal.key") in replaced[0].getMessage() and " 2 item" in replaced[0].getMessage()

    sender = _running(j, send)
    try:
        new = j.enqueue("rating", RATING)
        sender.kick()
        assert eventually(lambda: j.reference(new) is not None), "nothing sent after an unreadable row"
        time.sleep(0.3)  # a few more rounds: the unreadable rows are logged once, not once per round
        assert sender._thread is not None and sender._thread.is_alive()
        later = j.enqueue("help_call", {"reason": "other", "screen": "home", "note": ""})
        sender.kick()
        assert eventually(lambda: j.reference(later) is not None), "the sender stopped after the first round"
    finally:
        sender.stop()

    assert _on_platform(platform, j.reference(new))
    assert j.counts() == {"pending": 0, "rejected": 0, "unreadable": 2, "delivered": 2}
    assert j.unreadable() == 2 and j.depth() == 2 and [j.state(k) for k in old] == ["unreadable"] * 2
    assert len(_unreadable_logs(caplog)) == 2
    assert PHONE not in caplog.text
    j.close()
    # kept on disk exactly as sealed, for a technician who may find the old key
    assert sqlite3.connect(folder / "journal.db").execute(
        "SELECT idempotency_key, sealed FROM outbox WHERE state = 'unreadable' ORDER BY id").fetchall() == sealed_before

    again = Journal(folder)  # a restart does not stop at them either
    assert again.due() == [] and again.unreadable() == 2
    again.close()


@pytest.mark.parametrize("restore_as", ["journal.key.old", "journal.key"])
def test_restoring_the_old_key_sends_the_rows_set_aside(
        tmp_path: Path, platform: ServerHandle, send: Callable, restore_as: str) -> None:
    folder = tmp_path / "journal"
    j = Journal(folder)
    old = j.enqueue("rating", RATING)
    j.close()
    lost_key = (folder / "journal.key").read_bytes()
    (folder / "journal.key").unlink()

    j = Journal(folder)
    meanwhile = j.enqueue("rating", RATING)  # sealed with the new key, not sent yet
    assert [i.idempotency_key for i in j.due()] == [meanwhile]
    assert j.state(old) == "unreadable"
    j.close()

    # The technician found the old key: next to the new one, or (a mistake) over it.
    (folder / restore_as).write_bytes(lost_key)
    j = Journal(folder)
    assert {i.idempotency_key for i in j.due()} == {old, meanwhile}
    assert OutboxSender(j, send).drain_once() == 2
    assert _on_platform(platform, j.reference(old)) and _on_platform(platform, j.reference(meanwhile))
    assert j.counts()["unreadable"] == 0 and j.depth() == 0
    j.close()


def _poison(folder: Path, key: str, **columns: object) -> None:
    with sqlite3.connect(folder / "journal.db") as db:
        for column, value in columns.items():
            db.execute(f"UPDATE outbox SET {column} = ? WHERE idempotency_key = ?", (value, key))


def test_sender_survives_poisoned_rows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    j = Journal(tmp_path)
    damaged = j.enqueue("rating", RATING)
    bad_nonce = j.enqueue("rating", RATING)
    not_json = j.enqueue("rating", RATING)
    good = j.enqueue("rating", RATING)
    _poison(tmp_path, damaged, sealed=b"\x00" * 40)
    _poison(tmp_path, bad_nonce, nonce=b"\x01")
    nonce, sealed = j._keys.seal(b"\xff not json", f"rating:{not_json}".encode())
    _poison(tmp_path, not_json, nonce=nonce, sealed=sealed)

    sent: list[str] = []
    sender = _running(j, lambda item: sent.append(item.idempotency_key) or "R")
    try:
        assert eventually(lambda: j.reference(good) == "R"), "a poisoned row stopped the sender"
        after = j.enqueue("rating", RATING)
        sender.kick()
        assert eventually(lambda: j.reference(after) == "R")
        assert sender._thread is not None and sender._thread.is_alive()
    finally:
        sender.stop()
    assert sent == [good, after]
    assert {k: j.state(k) for k in (damaged, bad_nonce, not_json)} == dict.fromkeys(
        (damaged, bad_nonce, not_json), "unreadable")
    assert len(_unreadable_logs(caplog)) == 3 and PHONE not in caplog.text


def test_sender_loop_survives_any_exception(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    j = Journal(tmp_path)
    real_due = j.due
    calls = {"n": 0}

    def flaky_due(*a, **kw):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise RuntimeError("something unexpected")
        return real_due(*a, **kw)

    monkeypatch.setattr(j, "due", flaky_due)
    key = j.enqueue("rating", RATING)
    sender = _running(j, lambda item: "R", max_delay_s=0.2)
    try:
        assert eventually(lambda: j.reference(key) == "R"), "the sender loop died on an unexpected error"
        assert sender._thread is not None and sender._thread.is_alive()
    finally:
        sender.stop()


def test_one_item_failing_does_not_stop_the_round(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    j = Journal(tmp_path)
    first = j.enqueue("rating", RATING)
    second = j.enqueue("rating", RATING)
    real_ack = j.acknowledge
    first_id = next(i.id for i in j.due() if i.idempotency_key == first)

    def ack(item_id: int, reference: str) -> None:
        if item_id == first_id:
            raise RuntimeError("boom")
        real_ack(item_id, reference)

    monkeypatch.setattr(j, "acknowledge", ack)
    assert OutboxSender(j, lambda item: "R").drain_once() == 1
    assert j.state(first) == "pending" and j.state(second) == "delivered"


def test_a_journal_from_before_unreadable_is_migrated(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    key = j.enqueue("rating", RATING)
    damaged = j.enqueue("rating", RATING)
    j.close()
    with sqlite3.connect(tmp_path / "journal.db") as db:  # back to the schema kiosks have on disk
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()
        db.execute("ALTER TABLE outbox RENAME TO outbox_new")
        db.execute(sql.replace(", 'unreadable'", ""))
        db.execute("INSERT INTO outbox SELECT * FROM outbox_new")
        db.execute("DROP TABLE outbox_new")
        db.execute("PRAGMA user_version = 0")
    _poison(tmp_path, damaged, sealed=b"\x00" * 40)
    j = Journal(tmp_path)
    assert [i.idempotency_key for i in j.due()] == [key]
    assert j.state(damaged) == "unreadable"
    j.close()


# -- 2. the size bound frees up after delivery ------------------------------------------------
def _fill(j: Journal) -> int:
    n = 0
    with pytest.raises(JournalFull):
        for _ in range(1000):
            j.enqueue("application", {"blob": os.urandom(5_000).hex()})
            n += 1
    return n


def test_full_journal_accepts_again_once_delivered_without_a_restart(tmp_path: Path) -> None:
    bound = 300_000
    j = Journal(tmp_path, max_bytes=bound)
    first = _fill(j)
    assert first >= 10
    sender = OutboxSender(j, lambda item: "CASE")
    while sender.drain_once():
        pass
    assert j.depth() == 0 and j.counts()["delivered"] == first
    j.enqueue("application", {"blob": "x" * 10_000})  # accepted again, same process
    assert j.used_bytes() < bound / 4
    second = _fill(j) + 1
    assert second >= first - 1, "the space of delivered rows was not reused"
    # the files stay bounded too: freed pages are reused rather than the file growing
    db_file = (tmp_path / "journal.db").stat().st_size
    assert db_file < 1.5 * bound, db_file
    with pytest.raises(JournalFull):  # and a journal really at its bound still says so
        j.enqueue("application", {"blob": "x" * 10_000})
    j.close()


def test_a_bad_extra_key_file_is_skipped_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    Journal(tmp_path).close()
    (tmp_path / "journal.key.old").write_bytes(b"short")
    j = Journal(tmp_path)
    key = j.enqueue("rating", RATING)
    assert [i.idempotency_key for i in j.due()] == [key]
    assert any("journal.key.old" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    j.close()


# -- 3. nothing personal in the plain columns or the log when a send fails ----------------------
def test_a_failing_send_keeps_no_payload_text_in_the_plain_error_column(
        tmp_path: Path, send: Callable, caplog: pytest.LogCaptureFixture) -> None:
    """A payload the local model refuses: its error quotes the value; the journal must not keep that."""
    long_phone = PHONE * 4  # longer than the contract's 40 characters: pydantic refuses it locally
    j = Journal(tmp_path / "journal")
    caplog.set_level(logging.DEBUG)
    j.enqueue("rating", {**RATING, "contact": long_phone})
    OutboxSender(j, send, poll_s=0.05, first_delay_s=0.05).drain_once()
    errors = [row[0] for row in j._db.execute("SELECT last_error FROM outbox")]
    j.close()
    assert errors and all(errors), "the failure was not recorded"
    assert not any(long_phone in e or PHONE[:7] in e for e in errors), errors
    assert long_phone not in caplog.text
