"""A signing HTTP client for the reference platform and assertion helpers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests

from kiosk.platform import signing
from kiosk.platform.contract.demo import DEMO_KIOSK_ID, DEMO_SECRET


class Signed:
    """requests with kiosk signatures; every POST gets a fresh Idempotency-Key unless one is given."""

    def __init__(self, base: str, kiosk_id: str = DEMO_KIOSK_ID, secret: bytes = DEMO_SECRET) -> None:
        self.base = base
        self.kiosk_id = kiosk_id
        self.secret = secret
        self.http = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        now: float | None = None,
        nonce: str | None = None,
    ) -> requests.Response:
        data = b"" if body is None else json.dumps(body).encode()
        req = requests.Request(method, self.base + path, data=data or None, params=params, headers=headers or {})
        prepared = self.http.prepare_request(req)
        if data:
            prepared.headers["Content-Type"] = "application/json"
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            prepared.headers[signing.HEADER_IDEMPOTENCY] = key or uuid.uuid4().hex
        prepared.headers.update(
            signing.sign(
                self.kiosk_id, self.secret, method, prepared.path_url, data, headers=prepared.headers, now=now,
                nonce=nonce,
            )
        )
        return self.http.send(prepared, timeout=20)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.request("POST", path, body, **kw)


def identify(api: Signed, id_number: str, name: str) -> str:
    r = api.post("/v1/identity/id-card", {"id_number": id_number, "name": name})
    assert r.status_code == 201, r.text
    return r.json()["person_token"]


def assert_problem(r: requests.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["citizen_message"]["zh_CN"] and body["citizen_message"]["en"]
    return body


def citizen(person_id: str) -> tuple[str, str]:
    """(ID number, name) of a seeded citizen."""
    from reference_platform.seed.persons import CITIZENS

    p = next(c for c in CITIZENS if c.person_id == person_id)
    return p.id_number, p.name or p.name_en
