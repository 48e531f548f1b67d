"""Enrolment codes and the idempotent, unsigned ``POST /v1/enrol``."""

from __future__ import annotations

import uuid

import requests

from kiosk.platform.contract import paths
from reference_platform import enrolment
from reference_platform.db import Database
from reference_platform.server import ServerHandle

from .helpers import Signed, assert_problem


def _issue(platform: ServerHandle, uses: int = 1) -> str:
    db = Database(platform.db_path)
    try:
        return enrolment.issue(db, uses=uses)
    finally:
        db.close()


def _enrol(platform: ServerHandle, code: str, key: str | None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return requests.post(platform.url + paths.ENROL, json={"enrolment_code": code}, headers=headers, timeout=10)


def test_issued_code_is_single_use(platform: ServerHandle) -> None:
    code = _issue(platform)
    assert code.startswith("KSK-") and len(code) == 13 and not set(code[4:]) & set("01OIL")
    first = _enrol(platform, code, None)
    assert first.status_code == 201
    assert_problem(_enrol(platform, code, None), 403, "enrolment_code_invalid")


def test_same_key_replays_the_same_kiosk(platform: ServerHandle) -> None:
    code, key = _issue(platform), str(uuid.uuid4())
    first = _enrol(platform, code, key)
    again = _enrol(platform, code, key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    kiosk = Signed(platform.url, kiosk_id=first.json()["kiosk_id"], secret=first.json()["secret"].encode())
    assert kiosk.get(paths.ANNOUNCEMENTS).status_code == 200
    # The key belongs to that request: another code with it is refused, not replayed.
    assert_problem(_enrol(platform, _issue(platform), key), 422, "idempotency_mismatch")


def test_issue_tops_up_and_validates(tmp_path) -> None:
    db = Database(tmp_path / "p.db")
    try:
        assert enrolment.issue(db, "HALL-9", uses=3) == "HALL-9" and enrolment.uses_left(db, "HALL-9") == 3
        enrolment.issue(db, "HALL-9", uses=1)
        assert enrolment.uses_left(db, "HALL-9") == 1 and enrolment.uses_left(db, "nope") is None
        for bad in ("abc", " pad ", "x" * 65):
            try:
                enrolment.issue(db, bad)
            except ValueError:
                continue
            raise AssertionError(bad)
    finally:
        db.close()
