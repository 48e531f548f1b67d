"""Request signing shared by the kiosk's client and the reference platform.

A kiosk proves each request with its enrolment secret: HMAC-SHA256 over the method,
the path with its query, the timestamp, a nonce and the SHA-256 of the body. The
platform refuses unsigned requests, timestamps outside ``MAX_SKEW_S`` and any nonce it
has seen inside that window, so a captured request can't be replayed.

String to sign (UTF-8, lines joined by ``\\n``)::

    METHOD
    /path?query
    TIMESTAMP            (Unix seconds, decimal)
    NONCE                (32 lowercase hex characters)
    hex(SHA-256(body))
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

HEADER_KIOSK = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"
MAX_SKEW_S = 300


class SignatureError(Exception):
    """Why a request's signature was refused; ``code`` is the problem+json machine code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body or b"").hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, digest]).encode()


def signature(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret, string_to_sign(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()


def sign(
    kiosk_id: str,
    secret: bytes,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers that authenticate one request; ``path`` includes the query string."""
    ts = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {
        HEADER_KIOSK: kiosk_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, method, path, ts, nonce, body),
    }


def check(
    headers: dict[str, str],
    secret_for: Callable[[str], bytes | None],
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
) -> str:
    """Verify signature headers (case-insensitive mapping) and return the kiosk id.

    Replay protection (remembering nonces) is the caller's job because it needs
    storage; this checks presence, freshness and the HMAC.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    kiosk_id = lower.get(HEADER_KIOSK.lower())
    ts = lower.get(HEADER_TIMESTAMP.lower())
    nonce = lower.get(HEADER_NONCE.lower())
    sig = lower.get(HEADER_SIGNATURE.lower())
    if not (kiosk_id and ts and nonce and sig):
        raise SignatureError("unsigned", "the request carries no complete kiosk signature")
    if not ts.isdigit():
        raise SignatureError("bad_timestamp", "the signature timestamp is not a number")
    if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
        raise SignatureError("bad_nonce", "the nonce must be 32 lowercase hex characters")
    current = time.time() if now is None else now
    if abs(current - int(ts)) > MAX_SKEW_S:
        raise SignatureError("stale", f"the signature timestamp is more than {MAX_SKEW_S} s off")
    secret = secret_for(kiosk_id)
    if secret is None:
        raise SignatureError("unknown_kiosk", "the kiosk is not enrolled")
    expected = signature(secret, method, path, ts, nonce, body)
    if not hmac.compare_digest(expected, sig):
        raise SignatureError("bad_signature", "the signature does not match the request")
    return kiosk_id
