"""Enrolment codes and the idempotent, unsigned ``POST /v1/enrol``."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from kiosk.platform.contract import paths
from reference_platform import enrolment
from reference_platform.db import Database
from reference_platform.server import ServerHandle

from .helpers import Signed, assert_problem


def _issue(platform: ServerHandle, ttl_s: float = enrolment.DEFAULT_TTL_S) -> str:
    db = Database(platform.db_path)
    try:
        return enrolment.issue(db, ttl_s=ttl_s)
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


def test_an_expired_code_is_refused(platform: ServerHandle) -> None:
    db = Database(platform.db_path)
    try:
        code = enrolment.issue(db, ttl_s=60, now=time.time() - 120)
    finally:
        db.close()
    assert_problem(_enrol(platform, code, None), 403, "enrolment_code_invalid")


def test_issue_renews_as_single_use_and_validates(tmp_path) -> None:
    db = Database(tmp_path / "p.db")
    try:
        assert enrolment.issue(db, "HALL-9") == "HALL-9" and enrolment.uses_left(db, "HALL-9") == 1
        with db.tx() as c:
            assert enrolment.spend(c, "HALL-9", time.time())
            assert not enrolment.spend(c, "HALL-9", time.time())
        enrolment.issue(db, "HALL-9", ttl_s=10, now=1000.0)
        assert enrolment.uses_left(db, "HALL-9") == 1 and enrolment.uses_left(db, "nope") is None
        with db.tx() as c:
            assert not enrolment.spend(c, "HALL-9", 1011.0)
            assert enrolment.spend(c, "HALL-9", 1009.0)
        for bad in ("abc", " pad ", "x" * 65, "ＨＡＬＬ-9"):
            with pytest.raises(ValueError):
                enrolment.issue(db, bad)
        for ttl in (0, -1, enrolment.MAX_TTL_S + 1):
            with pytest.raises(ValueError):
                enrolment.issue(db, "HALL-10", ttl_s=ttl)
    finally:
        db.close()
