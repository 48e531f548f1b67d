"""What the outbox loop makes of the platform's answers: retry later, or give up for good."""

from __future__ import annotations

import pytest
from http_stubs import StubServer, problem

from kiosk.client import Conflict, PlatformClient, RetryPolicy
from kiosk.config import DEMO_SECRET
from kiosk.contract import paths
from kiosk.journal import OutboxItem, PermanentRejection
from kiosk.outbox import send_item

RATING = {"service_code": "440100-ZW-0901", "level": "satisfied"}


def _client(url: str) -> PlatformClient:
    return PlatformClient(url, "demo-kiosk-001", DEMO_SECRET, retry=RetryPolicy(attempts=1))


def test_a_key_still_in_progress_is_retried_not_dropped(stub: StubServer) -> None:
    stub.route("POST", paths.RATINGS, problem(409, "idempotency_in_progress"))
    with pytest.raises(Conflict) as err:
        send_item(_client(stub.url), OutboxItem(1, "rating", "k-1", 0, RATING))
    assert not isinstance(err.value, PermanentRejection)


def test_a_real_conflict_is_a_permanent_rejection(stub: StubServer) -> None:
    stub.route("POST", paths.RATINGS, problem(409, "conflict"))
    with pytest.raises(PermanentRejection):
        send_item(_client(stub.url), OutboxItem(1, "rating", "k-2", 0, RATING))
