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


def live_capture(person_id: str) -> str:
    """A base64 JPEG standing in for the kiosk's live capture of a demo citizen: their
    registered photo, smaller, brighter and re-encoded (not the same bytes)."""
    import base64

    import cv2

    from reference_platform.seed.persons import FACES_DIR

    photo = cv2.imread(str(FACES_DIR / f"{person_id}.jpg"))
    frame = cv2.convertScaleAbs(cv2.resize(photo, None, fx=0.9, fy=0.9), alpha=1.05, beta=8)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode()


def face_check(api: Signed, id_number: str, photo_b64: str, liveness: str | None = "head_turn_left") -> Any:
    return api.post("/v1/identity/face", {"id_number": id_number, "photo_jpeg_base64": photo_b64,
                                          "liveness": liveness})


def identify(api: Signed, id_number: str, name: str) -> str:
    """Card, then face (the holder's live capture): the person token."""
    from reference_platform.seed.persons import CITIZENS

    r = api.post("/v1/identity/id-card", {"id_number": id_number, "name": name})
    assert r.status_code == 201, r.text
    assert r.json()["face_required"] and not r.json()["person_token"] and r.json()["profile"] is None
    person = next(c.person_id for c in CITIZENS if c.id_number == id_number)
    face = face_check(api, id_number, live_capture(person))
    assert face.status_code == 200, face.text
    assert face.json()["outcome"] == "match", face.json()
    return face.json()["identity"]["person_token"]


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
