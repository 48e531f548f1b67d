import sqlite3
import stat

import pytest

from kiosk.services.journal import Journal, JournalFull, PermanentRejection
from kiosk.services.outbox import OutboxSender

PERSONAL = {"id_number": "11010519491231002X", "name": "王小明", "phone": "13812341234"}


def test_enqueue_is_durable_and_sealed(tmp_path):
    j = Journal(tmp_path)
    key = j.enqueue("application", {"service": "S1", **PERSONAL})
    j.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("journal.db*"))
    for value in PERSONAL.values():
        assert value.encode() not in raw
    assert stat.S_IMODE((tmp_path / "journal.key").stat().st_mode) == 0o600
    again = Journal(tmp_path)
    (item,) = again.due()
    assert item.idempotency_key == key and item.payload["name"] == "王小明"


def test_same_key_twice_is_one_item(tmp_path):
    j = Journal(tmp_path)
    j.enqueue("rating", {"level": 5}, idempotency_key="k1")
    j.enqueue("rating", {"level": 1}, idempotency_key="k1")
    (item,) = j.due()
    assert item.payload == {"level": 5}


def test_a_delivered_key_is_not_queued_again(tmp_path):
    j = Journal(tmp_path)
    assert j.state("k1") is None
    j.enqueue("application", PERSONAL, idempotency_key="k1")
    assert j.state("k1") == "pending"
    OutboxSender(j, lambda item: "CASE-0001").drain_once()
    assert j.state("k1") == "delivered"
    j.enqueue("application", PERSONAL, idempotency_key="k1")
    assert j.depth() == 0 and j.due() == [] and j.reference("k1") == "CASE-0001"


def test_state_tells_a_failed_attempt_from_a_fresh_item(tmp_path):
    j = Journal(tmp_path)
    j.enqueue("help_call", {"n": 1}, idempotency_key="a")
    j.enqueue("help_call", {"n": 2}, idempotency_key="b")

    def send(item):
        if item.payload["n"] == 1:
            raise ConnectionError("platform down")
        raise PermanentRejection("refused")

    OutboxSender(j, send, first_delay_s=60).drain_once()
    assert j.state("a") == "retrying" and j.state("b") == "rejected"


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown outbox kind"):
        Journal(tmp_path).enqueue("payment", {})


def test_acknowledge_deletes_personal_data_and_keeps_reference(tmp_path):
    j = Journal(tmp_path)
    key = j.enqueue("application", PERSONAL)
    sender = OutboxSender(j, lambda item: "CASE-0001")
    assert sender.drain_once() == 1
    assert j.depth() == 0 and j.reference(key) == "CASE-0001"
    rows = sqlite3.connect(tmp_path / "journal.db").execute("SELECT * FROM delivered").fetchall()
    assert all("王小明" not in str(r) for r in rows)


def test_bounded_size(tmp_path):
    j = Journal(tmp_path, max_bytes=200_000)
    with pytest.raises(JournalFull):
        for _ in range(1000):
            j.enqueue("application", {"blob": "x" * 10_000})


def test_wrong_key_file_is_a_clear_error(tmp_path):
    (tmp_path / "journal.key").write_bytes(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        Journal(tmp_path)
