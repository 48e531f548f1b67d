"""What the outbox loop makes of the platform's answers: retry later, or give up for good."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.config import DEMO_SECRET
from kiosk.platform import signing
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract import (
    ApplicationRequest,
    EnrolRequest,
    FacePhotoIdentityRequest,
    IdCardIdentityRequest,
    Liveness,
    paths,
)
from kiosk.platform.errors import AuthRejected, Conflict
from kiosk.platform.transport import RetryPolicy
from kiosk.services.journal import Journal, OutboxItem, PermanentRejection
from kiosk.services.outbox import OutboxSender, send_item
from reference_platform.seed.persons import CITIZENS
from reference_platform.server import ServerHandle, serve_in_thread
from tests.reference_platform.helpers import live_capture

from .http_stubs import StubServer, problem

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


@pytest.mark.parametrize(("status", "code"), [(403, "submission_token_refused"), (401, "person_token_invalid")])
def test_a_person_token_refused_for_good_is_a_permanent_rejection(stub: StubServer, status: int, code: str) -> None:
    stub.route("POST", paths.RATINGS, problem(status, code))
    with pytest.raises(PermanentRejection, match=code):
        send_item(_client(stub.url), OutboxItem(1, "rating", "k-3", 0, RATING))


@pytest.mark.parametrize("code", ["bad_signature", "stale", "unknown_kiosk", "replayed"])
def test_the_kiosks_own_authentication_trouble_is_retried(stub: StubServer, code: str) -> None:
    stub.route("POST", paths.APPLICATIONS, problem(401, code))
    with pytest.raises(AuthRejected) as err:
        send_item(_client(stub.url), OutboxItem(1, "application", "k-4", 0, _application("t" * 32, None)))
    assert not isinstance(err.value, PermanentRejection)


# -- late delivery against the reference platform, over HTTP --------------------------------
# The kiosk was offline for hours: its journal sends what citizens submitted long after
# their person tokens expired or their visits ended the person sessions.

HOUR = 3600.0
GRACE_S = 2 * 24 * HOUR


class Clock:
    """Now, moved forward by the test; the platform and the kiosk's signatures both use it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _application(token: str, submitted_at: float | None) -> dict:
    number, name = next((c.id_number, c.name) for c in CITIZENS if c.person_id == "P003")
    request = ApplicationRequest(
        service_code="440100-HJ-0802",
        person_token=token,
        form={"name": name, "id_number": number, "phone": "13900001111", "purpose": "就业"},
        submitted_at=None if submitted_at is None else datetime.fromtimestamp(int(submitted_at), UTC),
    )
    return request.model_dump(mode="json")


class Offline:
    """A journal, its sender, and a kiosk that is offline until ``online()``."""

    def __init__(self, tmp_path: Path, platform: ServerHandle, clock: Clock, down_url: str) -> None:
        self.platform, self.clock = platform, clock
        self.journal = Journal(tmp_path / "journal")
        self.up = _client(platform.url)
        self.client = _client(down_url)
        self.sender = OutboxSender(self.journal, lambda item: send_item(self.client, item), first_delay_s=0.0)

    def identify(self, person: str = "P003") -> tuple[str, float]:
        c = next(c for c in CITIZENS if c.person_id == person)
        card = self.up.identify_id_card(IdCardIdentityRequest(id_number=c.id_number, name=c.name))
        assert card.face_required
        answer = self.up.identify_face(FacePhotoIdentityRequest(
            id_number=c.id_number, photo_jpeg_base64=live_capture(person), liveness=Liveness.HEAD_TURN_LEFT))
        assert answer.identity is not None
        return answer.identity.person_token, self.clock()

    def queue(self, kind: str, payload: dict) -> str:
        key = self.journal.enqueue(kind, payload)
        assert self.sender.drain_once() == 0  # the platform is unreachable: kept, to retry
        assert self.journal.state(key) == "retrying"
        return key

    def online(self, after_s: float) -> None:
        self.clock.offset += after_s
        self.client = self.up

    def cases(self, key: str) -> int:
        with sqlite3.connect(self.platform.db_path) as db:
            return db.execute("SELECT COUNT(*) FROM cases WHERE idempotency_key = ?", (key,)).fetchone()[0]

    def close(self) -> None:
        self.up.close()
        self.client.close()
        self.journal.close()


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused_url: str) -> Iterator[Offline]:
    clock = Clock()
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=clock))  # the kiosk's clock moves too
    platform = serve_in_thread(tmp_path / "platform.db", always_open=True, clock=clock, submission_grace_s=GRACE_S)
    kiosk = Offline(tmp_path, platform, clock, refused_url)
    try:
        yield kiosk
    finally:
        kiosk.close()
        platform.stop()


def test_an_application_queued_offline_is_delivered_once_two_hours_later(offline: Offline) -> None:
    token, identified = offline.identify()
    key = offline.queue("application", _application(token, identified + 60))
    offline.online(after_s=2 * HOUR)  # the 15-minute person token expired long ago
    assert offline.sender.drain_once() == 1
    case_no = offline.journal.reference(key)
    assert case_no and offline.journal.depth() == 0 and offline.cases(key) == 1
    # The acknowledgement was lost and the item resent under its key: the same case, no second one.
    item = OutboxItem(99, "application", key, 3, _application(token, identified + 60))
    assert send_item(offline.up, item) == case_no
    assert offline.cases(key) == 1


def test_ending_the_person_session_does_not_invalidate_what_is_queued(offline: Offline) -> None:
    token, identified = offline.identify()
    application = offline.queue("application", _application(token, identified + 60))
    rating = offline.queue("rating", {**RATING, "person_token": token,
                                      "submitted_at": datetime.fromtimestamp(int(identified + 90), UTC).isoformat()})
    offline.up.end_person_session(token)  # the visit is over (the platform was reachable for that)
    offline.online(after_s=3 * HOUR)
    assert offline.sender.drain_once() == 2
    assert offline.cases(application) == 1 and offline.journal.reference(rating)
    assert offline.journal.counts()["rejected"] == 0


def test_past_the_grace_period_the_item_is_rejected_kept_and_not_retried(
    offline: Offline, caplog: pytest.LogCaptureFixture
) -> None:
    token, identified = offline.identify()
    key = offline.queue("application", _application(token, identified + 60))
    offline.online(after_s=GRACE_S + HOUR)
    with caplog.at_level(logging.INFO):
        assert offline.sender.drain_once() == 0
    assert offline.journal.state(key) == "rejected"
    counts = offline.journal.counts()
    assert counts["rejected"] == 1 and counts["pending"] == 0 and offline.journal.depth() == 1  # kept
    assert offline.journal.due() == []  # never resent
    assert offline.sender.drain_once() == 0 and offline.cases(key) == 0
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "submission_token_refused" in logged and key in logged
    number, name = next((c.id_number, c.name) for c in CITIZENS if c.person_id == "P003")
    assert token not in logged and number not in logged and name not in logged


def test_a_stamp_the_token_cannot_vouch_for_is_rejected(offline: Offline) -> None:
    token, identified = offline.identify()
    future = offline.queue("application", _application(token, offline.clock() + 2 * HOUR))
    before = offline.queue("application", _application(token, identified - HOUR))
    offline.online(after_s=60)
    offline.sender.drain_once()
    assert offline.journal.state(future) == offline.journal.state(before) == "rejected"


def test_another_kiosks_person_token_is_rejected(offline: Offline) -> None:
    token, identified = offline.identify()
    enrolled = offline.up.enrol(EnrolRequest(enrolment_code="DEMO-ENROL-2026"))
    other = PlatformClient(offline.platform.url, enrolled.kiosk_id, enrolled.secret.encode(),
                           retry=RetryPolicy(attempts=1))
    try:
        offline.client = other
        key = offline.journal.enqueue("application", _application(token, identified + 60))
        offline.sender.drain_once()
        assert offline.journal.state(key) == "rejected" and offline.cases(key) == 0
    finally:
        other.close()


def test_an_unstamped_item_from_an_older_kiosk_is_rejected_once_its_token_expired(offline: Offline) -> None:
    token, _ = offline.identify()
    key = offline.queue("rating", {**RATING, "person_token": token})
    offline.online(after_s=HOUR)
    assert offline.sender.drain_once() == 0
    assert offline.journal.state(key) == "rejected"  # not retried every 5 minutes for ever
