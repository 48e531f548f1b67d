"""``OutboxSender``: the loop that drains the journal, backing off per item and never dying."""

import threading

from kiosk.services.journal import Journal, PermanentRejection
from kiosk.services.outbox import OutboxSender


def test_failures_back_off_and_permanent_rejections_stay(tmp_path):
    j = Journal(tmp_path)
    j.enqueue("help_call", {"n": 1}, idempotency_key="a")
    j.enqueue("help_call", {"n": 2}, idempotency_key="b")

    def send(item):
        if item.payload["n"] == 1:
            raise ConnectionError("platform down")
        raise PermanentRejection("service withdrawn")

    sender = OutboxSender(j, send, first_delay_s=60)
    assert sender.drain_once() == 0
    assert j.due() == []  # the retry waits for its backoff, the rejection is never due
    assert j.counts() == {"pending": 1, "rejected": 1, "unreadable": 0, "delivered": 0}


def test_background_sender_delivers_after_kick(tmp_path):
    j = Journal(tmp_path)
    done = threading.Event()

    def send(item):
        done.set()
        return "R1"

    sender = OutboxSender(j, send, poll_s=30)
    sender.start()
    try:
        key = j.enqueue("rating", {"level": 4})
        sender.kick()
        assert done.wait(5)
    finally:
        sender.stop()
    assert j.reference(key) == "R1"
