"""Property-based run over every route of the OpenAPI document (Schemathesis): whatever the
generated path, query, headers and body, the platform answers below 500.

Each request is signed as the demo kiosk (and carries an Idempotency-Key when it changes
state), so generated input reaches the routes instead of stopping at the signature check.
Bounded: a few examples per operation keeps the whole run within a couple of minutes.
"""

from __future__ import annotations

import contextlib
import json
import uuid

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings

from kiosk.platform import signing
from kiosk.platform.contract import paths
from kiosk.platform.contract.demo import DEMO_KIOSK_ID, DEMO_SECRET

from .helpers import Signed, citizen, identify

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra (pyproject.toml)")

EXAMPLES_PER_OPERATION = 25


class KioskSignature(requests.auth.AuthBase):
    """Signs the request as it will go on the wire: path with query, covered headers, body bytes.

    A fresh Idempotency-Key per request and a live person token wherever one is asked for,
    so generated input is judged by the routes themselves (keys and tokens are tested apart).
    """

    def __init__(self, person_token: str) -> None:
        self.person_token = person_token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if r.method in ("POST", "PUT", "PATCH", "DELETE"):
            r.headers[signing.HEADER_IDEMPOTENCY] = uuid.uuid4().hex
        if paths.PERSON_TOKEN_HEADER in r.headers:
            r.headers[paths.PERSON_TOKEN_HEADER] = self.person_token
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        with contextlib.suppress(ValueError):
            data = json.loads(body)
            if isinstance(data, dict) and isinstance(data.get("person_token"), str):
                data["person_token"] = self.person_token
                body = json.dumps(data).encode()
                r.prepare_body(body, None)
        r.headers.update(signing.sign(DEMO_KIOSK_ID, DEMO_SECRET, r.method, r.path_url, body, headers=r.headers))
        return r


def test_no_generated_request_gets_a_5xx(platform):
    schema = schemathesis.openapi.from_url(platform.url + "/openapi.json")
    session = requests.Session()
    session.auth = KioskSignature(identify(Signed(platform.url), *citizen("P002")))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30, "every route of the document is walked"
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            response = case.call(session=session, timeout=20)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )

        try:
            run()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)
