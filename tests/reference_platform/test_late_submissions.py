"""Late delivery of journaled submissions (docs/platform.md, "Late delivery"), over real HTTP.

A kiosk that was offline sends an application or rating long after the citizen's person
token expired, or after the visit ended the person session. The submission carries
``submitted_at`` in its signed body; the platform checks the token at that time, within
its grace period, and refuses anything else for good with 403 ``submission_token_refused``.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from kiosk.platform import signing
from kiosk.platform.contract import paths
from reference_platform.server import ServerHandle, serve_in_thread

from .helpers import Signed, assert_problem, citizen, identify

HOUR = 3600.0
DAY = 24 * HOUR
GRACE_S = 2 * DAY
REFUSED = "submission_token_refused"


class Clock:
    """The platform's clock; tests move it forward (and sign requests with it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class Kiosk(Signed):
    """A signing client whose clock is the platform's (both move together, like real time)."""

    def __init__(self, base: str, clock: Clock, **kw) -> None:
        super().__init__(base, **kw)
        self.clock = clock

    def request(self, method, path, body=None, **kw):  # type: ignore[no-untyped-def,override]
        kw.setdefault("now", self.clock())
        return super().request(method, path, body, **kw)


@pytest.fixture
def world(tmp_path) -> Iterator[tuple[ServerHandle, Clock, Kiosk]]:
    clock = Clock()
    handle = serve_in_thread(tmp_path / "platform.db", always_open=True, clock=clock, submission_grace_s=GRACE_S)
    try:
        yield handle, clock, Kiosk(handle.url, clock)
    finally:
        handle.stop()


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0).isoformat()


def _identify(kiosk: Kiosk, person: str = "P003") -> tuple[str, float]:
    number, name = citizen(person)
    return identify(kiosk, number, name), kiosk.clock()


def _application(token: str, submitted_at: str | None) -> dict:
    number, name = citizen("P003")
    body = {
        "service_code": "440100-HJ-0802",
        "person_token": token,
        "form": {"name": name, "id_number": number, "phone": "13900001111", "purpose": "就业"},
        "materials": [],
    }
    if submitted_at is not None:
        body["submitted_at"] = submitted_at
    return body


def _cases(handle: ServerHandle, key: str) -> int:
    with sqlite3.connect(handle.db_path) as db:
        return db.execute("SELECT COUNT(*) FROM cases WHERE idempotency_key = ?", (key,)).fetchone()[0]


def _other_kiosk(handle: ServerHandle, clock: Clock) -> Kiosk:
    r = requests.post(handle.url + paths.ENROL, json={"enrolment_code": "DEMO-ENROL-2026"}, timeout=10)
    assert r.status_code == 201, r.text
    enrolled = r.json()
    return Kiosk(handle.url, clock, kiosk_id=enrolled["kiosk_id"], secret=enrolled["secret"].encode())


def test_an_application_stamped_while_the_token_was_valid_is_accepted_hours_later_once(world) -> None:
    handle, clock, kiosk = world
    token, identified = _identify(kiosk)
    body = _application(token, _stamp(identified + 60))  # submitted a minute after identifying
    clock.offset += 2 * HOUR  # the kiosk was offline; the token expired 1 h 45 min ago
    key = str(uuid.uuid4())
    first = kiosk.post(paths.APPLICATIONS, body, key=key)
    assert first.status_code == 201, first.text
    again = kiosk.post(paths.APPLICATIONS, body, key=key)  # the answer was lost: resent under its key
    assert again.status_code == 201 and again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _cases(handle, key) == 1
    # The expired token still does nothing live, and an unstamped submission is refused as before.
    headers = {paths.PERSON_TOKEN_HEADER: token}
    assert_problem(kiosk.get(paths.fill(paths.QUERY, kind="housing_fund"), headers=headers), 401,
                   "person_token_invalid")
    assert_problem(kiosk.post(paths.APPLICATIONS, _application(token, None)), 401, "person_token_invalid")


def test_an_ended_person_session_still_vouches_for_what_was_submitted_before(world) -> None:
    _, clock, kiosk = world
    token, identified = _identify(kiosk)
    body = _application(token, _stamp(identified + 30))
    ended = kiosk.request("DELETE", paths.fill(paths.IDENTITY_SESSION, person_token=token))
    assert ended.status_code == 204
    # Ended: no live use any more, not even inside the 15 minutes ...
    assert_problem(kiosk.get(paths.fill(paths.QUERY, kind="housing_fund"),
                             headers={paths.PERSON_TOKEN_HEADER: token}), 401, "person_token_invalid")
    # ... and nothing stamped after the end (ten minutes later, the token not yet expired) ...
    clock.offset += 600
    problem = assert_problem(kiosk.post(paths.APPLICATIONS, _application(token, _stamp(clock()))), 403, REFUSED)
    assert "ended" in problem["detail"]
    # ... but what the citizen submitted during the visit goes through, late.
    clock.offset += 3 * HOUR
    r = kiosk.post(paths.APPLICATIONS, body)
    assert r.status_code == 201, r.text
    rating = {"service_code": "440100-HJ-0802", "level": "satisfied", "person_token": token,
              "submitted_at": _stamp(identified + 90)}
    r = kiosk.post(paths.RATINGS, rating)
    assert r.status_code == 201, r.text


def test_a_stamp_older_than_the_grace_period_is_refused_for_good(world) -> None:
    handle, clock, kiosk = world
    token, identified = _identify(kiosk)
    body = _application(token, _stamp(identified + 60))
    clock.offset += GRACE_S + HOUR
    key = str(uuid.uuid4())
    problem = assert_problem(kiosk.post(paths.APPLICATIONS, body, key=key), 403, REFUSED)
    assert "grace" in problem["detail"] and token not in json.dumps(problem)
    # Final: the same key keeps the same answer; nothing was created.
    assert_problem(kiosk.post(paths.APPLICATIONS, body, key=key), 403, REFUSED)
    assert _cases(handle, key) == 0
    rating = {"service_code": "440100-HJ-0802", "level": "satisfied", "person_token": token,
              "submitted_at": _stamp(identified + 90)}
    assert_problem(kiosk.post(paths.RATINGS, rating), 403, REFUSED)


def test_a_stamp_in_the_future_or_before_the_token_existed_is_refused(world) -> None:
    _, clock, kiosk = world
    token, identified = _identify(kiosk)
    future = _stamp(clock() + signing.MAX_SKEW_S + 120)
    problem = assert_problem(kiosk.post(paths.APPLICATIONS, _application(token, future)), 403, REFUSED)
    assert "future" in problem["detail"]
    before = _stamp(identified - HOUR)
    problem = assert_problem(kiosk.post(paths.APPLICATIONS, _application(token, before)), 403, REFUSED)
    assert "before" in problem["detail"]
    # A kiosk clock a little off (inside the signature's skew) is not a reason to refuse.
    slightly_early = _stamp(identified - 60)
    assert kiosk.post(paths.APPLICATIONS, _application(token, slightly_early)).status_code == 201
    # A stamp after the token expired (made up, or a kiosk clock far off) is refused too.
    clock.offset += HOUR
    made_up = _stamp(clock() - 60)
    problem = assert_problem(kiosk.post(paths.APPLICATIONS, _application(token, made_up)), 403, REFUSED)
    assert "expired" in problem["detail"]
    assert_problem(kiosk.post(paths.APPLICATIONS, _application("never-issued-token-123", made_up)), 403, REFUSED)


def test_a_stamp_changed_in_transit_breaks_the_signature(world) -> None:
    handle, clock, kiosk = world
    token, identified = _identify(kiosk)
    clock.offset += DAY + 2 * HOUR
    honest = json.dumps(_application(token, _stamp(clock() - DAY))).encode()  # after expiry: refused
    forged = json.dumps(_application(token, _stamp(identified + 60))).encode()
    headers = signing.sign(kiosk.kiosk_id, kiosk.secret, "POST", paths.APPLICATIONS, honest, now=clock())
    headers |= {signing.HEADER_IDEMPOTENCY: str(uuid.uuid4()), "Content-Type": "application/json"}
    r = requests.post(handle.url + paths.APPLICATIONS, data=forged, headers=headers, timeout=10)
    assert_problem(r, 401, "bad_signature")


def test_a_token_from_another_kiosk_is_refused_live_and_stamped(world) -> None:
    handle, clock, kiosk = world
    token, identified = _identify(kiosk)
    other = _other_kiosk(handle, clock)
    stamped = _application(token, _stamp(identified + 60))
    assert_problem(other.post(paths.APPLICATIONS, stamped), 403, REFUSED)
    assert_problem(other.post(paths.APPLICATIONS, _application(token, None)), 401, "person_token_invalid")
    assert_problem(other.get(paths.fill(paths.QUERY, kind="housing_fund"),
                             headers={paths.PERSON_TOKEN_HEADER: token}), 401, "person_token_invalid")
    # Nor can another kiosk end it: to that kiosk the token does not exist.
    assert other.request("DELETE", paths.fill(paths.IDENTITY_SESSION, person_token=token)).status_code == 404
    headers = {paths.PERSON_TOKEN_HEADER: token}
    assert kiosk.get(paths.fill(paths.QUERY, kind="housing_fund"), headers=headers).status_code == 200
    assert kiosk.post(paths.APPLICATIONS, stamped).status_code == 201


def test_sessions_are_kept_for_the_grace_period_then_forgotten(world) -> None:
    handle, clock, kiosk = world
    token, _ = _identify(kiosk)
    assert kiosk.request("DELETE", paths.fill(paths.IDENTITY_SESSION, person_token=token)).status_code == 204

    def kept() -> tuple | None:
        with sqlite3.connect(handle.db_path) as db:
            return db.execute("SELECT person_id, kiosk_id, issued_at, expires_at, ended_at FROM person_sessions"
                              " WHERE token = ?", (token,)).fetchone()

    row = kept()
    assert row is not None and row[1] == kiosk.kiosk_id and row[2] < row[4] <= row[3]
    clock.offset += GRACE_S - HOUR
    _identify(kiosk, "P005")  # opening a session purges what no stamp can refer to any more
    assert kept() is not None
    clock.offset += 2 * HOUR
    _identify(kiosk, "P005")
    assert kept() is None


def test_a_database_from_before_the_stamp_gets_the_new_columns(tmp_path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE person_sessions (token TEXT PRIMARY KEY, person_id TEXT NOT NULL,"
                   " kiosk_id TEXT NOT NULL, expires_at REAL NOT NULL)")
        db.execute("INSERT INTO person_sessions VALUES ('t-old-session', 'P001', 'demo-kiosk-001', 10000.0)")
    from reference_platform.db import Database

    store = Database(path)
    try:
        row = store.one("SELECT issued_at, ended_at FROM person_sessions WHERE token = 't-old-session'")
        assert row is not None and row["issued_at"] == 10000.0 - 900 and row["ended_at"] is None
    finally:
        store.close()
