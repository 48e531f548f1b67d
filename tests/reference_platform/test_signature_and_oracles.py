"""What the signature covers (the person token, the idempotency key, the query), lookups by a
bare code are rate limited, and no answer tells whether someone else's case exists."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from kiosk.platform import signing
from kiosk.platform.contract import paths
from reference_platform.db import Database
from reference_platform.limits import MISSES_ALLOWED, WINDOW_S
from reference_platform.server import serve_in_thread

from .helpers import Signed, assert_problem, citizen, identify


def _send(api: Signed, method: str, path: str, signed_headers: dict[str, str], sent_headers: dict[str, str],
          body: bytes = b"", sent_path: str | None = None) -> requests.Response:
    """Sign with ``signed_headers``, then send with ``sent_headers`` (what an attacker swapped)."""
    headers = dict(signed_headers, **signing.sign(api.kiosk_id, api.secret, method, path, body, headers=signed_headers))
    headers.update(sent_headers)
    if body:
        headers["Content-Type"] = "application/json"
    return requests.request(method, api.base + (sent_path or path), data=body or None, headers=headers, timeout=10)


def test_the_person_token_is_signed(api):
    mine = identify(api, *citizen("P002"))
    theirs = identify(api, *citizen("P003"))
    token = paths.PERSON_TOKEN_HEADER
    assert _send(api, "GET", paths.CERTIFICATES, {token: mine}, {}).status_code == 200
    swapped = _send(api, "GET", paths.CERTIFICATES, {token: mine}, {token: theirs})
    assert_problem(swapped, 401, "bad_signature")
    added = _send(api, "GET", paths.CERTIFICATES, {}, {token: theirs})
    assert_problem(added, 401, "bad_signature")


def test_the_idempotency_key_is_signed(api):
    body = b'{"reason": "question", "screen": "home"}'
    key = signing.HEADER_IDEMPOTENCY
    swapped = _send(api, "POST", paths.HELP_CALLS, {key: "k-" + uuid.uuid4().hex}, {key: "k-other"}, body)
    assert_problem(swapped, 401, "bad_signature")
    ok = _send(api, "POST", paths.HELP_CALLS, {key: "k-" + uuid.uuid4().hex}, {}, body)
    assert ok.status_code == 201


def test_the_query_is_signed(api):
    path = paths.fill(paths.QUERY, kind="social_security") + "?page=1"
    token = identify(api, *citizen("P002"))
    headers = {paths.PERSON_TOKEN_HEADER: token}
    assert _send(api, "GET", path, headers, {}).status_code == 200
    changed = _send(api, "GET", path, headers, {}, sent_path=path.replace("page=1", "page=2"))
    assert_problem(changed, 401, "bad_signature")


@pytest.mark.parametrize("stamp", ["17\u00b2", "１７００000000", "9" * 40, "-1", "1.5"])
def test_a_timestamp_not_in_ascii_digits_is_a_401(api, stamp):
    headers = signing.sign(api.kiosk_id, api.secret, "GET", paths.CATALOG, b"")
    headers[signing.HEADER_TIMESTAMP] = stamp
    raw = {k: v.encode("utf-8") for k, v in headers.items()}
    r = requests.get(api.base + paths.CATALOG, headers=raw, timeout=10)
    assert r.status_code == 401 and r.json()["code"] in ("bad_timestamp", "unsigned"), r.text


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def test_check_in_by_bare_code_is_rate_limited(tmp_path):
    clock = Clock()
    with serve_in_thread(tmp_path / "p.db", always_open=True, clock=clock) as platform:
        api = Signed(platform.url)

        def check_in(code: str) -> requests.Response:
            return api.post(paths.APPOINTMENT_CHECK_IN, {"appointment_code": code}, now=clock())

        for n in range(MISSES_ALLOWED):
            assert_problem(check_in(f"{100000 + n}"), 404, "not_found")
        limited = check_in("365021")  # a real code: refused too, the guesser learns nothing more
        assert_problem(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= WINDOW_S
        other = Signed(platform.url)  # the same kiosk with another key is still the same caller
        assert other.post(paths.APPOINTMENT_CHECK_IN, {"appointment_code": "365021"}, now=clock()).status_code == 429
        clock.offset += WINDOW_S + 1
        assert check_in("365021").status_code == 200


def test_case_progress_is_no_existence_oracle(tmp_path):
    with serve_in_thread(tmp_path / "p.db", always_open=True) as platform:
        api = Signed(platform.url)
        db = Database(platform.db_path)
        try:
            case = db.one("SELECT case_no, person_id, receipt_code FROM cases WHERE person_id = 'P002' LIMIT 1")
        finally:
            db.close()
        real = paths.fill(paths.APPLICATION, case_no=case["case_no"])
        missing = paths.fill(paths.APPLICATION, case_no="440100202601019999999")
        stranger = {paths.PERSON_TOKEN_HEADER: identify(api, *citizen("P003"))}
        for headers, params in (
            ({}, None),  # no token: both the same 401
            ({paths.PERSON_TOKEN_HEADER: "no-such-token-123"}, None),
            (stranger, None),  # someone else's case and no case: both 404
            ({}, {"receipt_code": "WRONG123"}),
        ):
            a = api.get(real, headers=headers, params=params)
            b = api.get(missing, headers=headers, params=params)
            assert (a.status_code, a.json()["code"]) == (b.status_code, b.json()["code"]), (headers, params, a.text)
            assert a.status_code in (401, 404)
        owner = {paths.PERSON_TOKEN_HEADER: identify(api, *citizen("P002"))}
        assert api.get(real, headers=owner).status_code == 200
        assert api.get(real, params={"receipt_code": case["receipt_code"]}).status_code == 200
