"""OpenAPI document of the reference platform: FastAPI's schema plus what the
middleware enforces (signature headers, Idempotency-Key) and problem+json errors."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kiosk.platform import signing
from kiosk.platform.contract import paths

DESCRIPTION = """Contract between a self-service government kiosk and the government service platform.

Every `/v1` request except `POST /v1/enrol` is signed with the kiosk's enrolment secret
(headers X-Kiosk-Id, X-Kiosk-Timestamp, X-Kiosk-Nonce, X-Kiosk-Signature; see docs/platform.md).
Unsigned, stale (more than 300 s off) or replayed (nonce seen before) requests get 401.
Every state-changing `/v1` request carries an `Idempotency-Key`; repeating it returns the first response.
Errors are `application/problem+json` (RFC 9457) with a machine `code` and a `citizen_message`.
Person tokens are bound to the kiosk that received them. An application or rating may carry
`submitted_at` (when the citizen submitted it; the kiosk may deliver it late from its journal): the
person token is then checked at that time, within a grace period (7 days on the reference platform),
even if it has since expired or been ended; otherwise 403 `submission_token_refused`, which is final.
`/demo/*` exists only on the reference platform.
"""

SIGNATURE_HEADERS = [
    (signing.HEADER_KIOSK, "Kiosk id from enrolment"),
    (signing.HEADER_TIMESTAMP, "Unix seconds; refused when more than 300 s off"),
    (signing.HEADER_NONCE, "32 lowercase hex characters, never reused"),
    (signing.HEADER_SIGNATURE, "hex HMAC-SHA256 of METHOD, path?query, timestamp, nonce, sha256(body)"),
]


def build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title="Government service platform API (kiosk contract)",
        version="1.0.0",
        openapi_version="3.1.0",
        description=DESCRIPTION,
        routes=app.routes,
    )
    schema.setdefault("components", {})["securitySchemes"] = {
        "kioskSignature": {
            "type": "apiKey",
            "in": "header",
            "name": signing.HEADER_SIGNATURE,
            "description": "HMAC signature; see the other X-Kiosk-* headers",
        },
    }
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            signed = path.startswith(paths.V1 + "/") and (method.upper(), path) != ("POST", paths.ENROL)
            params = op.setdefault("parameters", [])
            if signed:
                op["security"] = [{"kioskSignature": []}]
                params.extend(
                    {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": desc}
                    for name, desc in SIGNATURE_HEADERS
                    if name != signing.HEADER_SIGNATURE
                )
                if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
                    params.append(
                        {
                            "name": signing.HEADER_IDEMPOTENCY,
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 200},
                            "description": "Repeat the same key to retry safely; the first response is replayed",
                        }
                    )
            if not params:
                op.pop("parameters")
            for code, response in op.get("responses", {}).items():
                content = response.get("content", {})
                if code[0] in "45" and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
