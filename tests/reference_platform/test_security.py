"""Signatures, replay protection, idempotency and problem+json over real HTTP."""

from __future__ import annotations

import time

import requests

from kiosk.platform import signing
from kiosk.platform.contract import paths

from .helpers import Signed, assert_problem


def test_unsigned_catalog_is_refused_with_problem_json(platform):
    r = requests.get(platform.url + paths.CATALOG, timeout=10)
    body = assert_problem(r, 401, "unsigned")
    assert body["type"].endswith("/unsigned")


def test_stale_signature_is_refused(api):
    assert_problem(api.get(paths.CATALOG, now=time.time() - signing.MAX_SKEW_S - 60), 401, "stale")


def test_replayed_nonce_is_refused(api):
    nonce = "ab" * 16
    assert api.get(paths.ANNOUNCEMENTS, nonce=nonce).status_code == 200
    assert_problem(api.get(paths.ANNOUNCEMENTS, nonce=nonce), 401, "replayed")


def test_wrong_secret_and_unknown_kiosk(platform):
    assert_problem(Signed(platform.url, secret=b"not-the-secret-at-all").get(paths.CATALOG), 401, "bad_signature")
    assert_problem(Signed(platform.url, kiosk_id="nobody").get(paths.CATALOG), 401, "unknown_kiosk")


def test_tampered_body_is_refused(api):
    data = b'{"reason": "question"}'
    headers = signing.sign(api.kiosk_id, api.secret, "POST", paths.HELP_CALLS, data)
    headers[signing.HEADER_IDEMPOTENCY] = "tamper-1"
    r = requests.post(api.base + paths.HELP_CALLS, data=b'{"reason": "other"}', headers=headers, timeout=10)
    assert_problem(r, 401, "bad_signature")


def test_state_change_needs_idempotency_key(api):
    data = b"{}"
    headers = signing.sign(api.kiosk_id, api.secret, "POST", paths.HELP_CALLS, data)
    r = requests.post(api.base + paths.HELP_CALLS, data=data, headers=headers, timeout=10)
    assert_problem(r, 400, "idempotency_key_missing")


def test_idempotent_replay_returns_the_first_response(api):
    first = api.post(paths.HELP_CALLS, {"reason": "elderly", "screen": "guide"}, key="help-once")
    again = api.post(paths.HELP_CALLS, {"reason": "elderly", "screen": "guide"}, key="help-once")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = api.post(paths.HELP_CALLS, {"reason": "elderly", "screen": "guide"})
    assert other.json()["call_id"] != first.json()["call_id"]


def test_same_key_different_body_is_422(api):
    api.post(paths.HELP_CALLS, {"reason": "question"}, key="help-mismatch")
    assert_problem(api.post(paths.HELP_CALLS, {"reason": "other"}, key="help-mismatch"), 422, "idempotency_mismatch")


def test_errors_are_problem_json(api):
    assert_problem(api.get(paths.fill(paths.SERVICE, code="no-such-service")), 404, "not_found")
    body = assert_problem(
        api.post(paths.RATINGS, {"service_code": "440100-ZW-0901", "level": "great"}), 422, "validation"
    )
    assert any(e["field"] == "level" for e in body["errors"])
    bad = {"service_code": "440100-ZW-0901", "level": "very_dissatisfied"}
    assert_problem(api.post(paths.RATINGS, bad), 422, "validation")
    assert_problem(api.get("/v1/no/such/route"), 404, "not_found")


def test_enrolment_gives_a_working_secret(platform):
    r = requests.post(
        platform.url + paths.ENROL, json={"enrolment_code": "DEMO-ENROL-2026", "site_name": "社区站"}, timeout=10
    )
    assert r.status_code == 201, r.text
    enrolled = r.json()
    kiosk = Signed(platform.url, kiosk_id=enrolled["kiosk_id"], secret=enrolled["secret"].encode())
    assert kiosk.get(paths.ANNOUNCEMENTS).status_code == 200
    bad = requests.post(platform.url + paths.ENROL, json={"enrolment_code": "WRONG-CODE"}, timeout=10)
    assert_problem(bad, 403, "enrolment_code_invalid")


def test_heartbeat(api):
    r = api.post(
        paths.HEARTBEAT,
        {
            "kiosk_version": "0.1.0",
            "uptime_s": 12.5,
            "journal_depth": 0,
            "devices": [{"name": "printer", "state": "online", "media": "near_end"}],
        },
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["catalog_version"]) == 16


def test_a_replayed_nonce_on_a_state_change_is_refused(api):
    nonce = "cd" * 16
    assert api.post(paths.HELP_CALLS, {"reason": "question"}, nonce=nonce).status_code == 201
    assert_problem(api.post(paths.HELP_CALLS, {"reason": "question"}, nonce=nonce), 401, "replayed")
