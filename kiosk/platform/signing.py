"""Request signing shared by the kiosk's client and the reference platform.

A kiosk proves each request with its enrolment secret: HMAC-SHA256 over the method,
the path with its query, the timestamp, a nonce, the headers that change what the request
means (the person token it acts for, the idempotency key its answer is stored under) and
the SHA-256 of the body. The platform refuses unsigned requests, timestamps outside
``MAX_SKEW_S`` and any nonce it has seen inside that window, so a captured request can't
be replayed, nor re-aimed at another citizen or another stored answer.

String to sign (UTF-8, lines joined by ``\\n``)::

    METHOD
    /path?query          (exactly as sent: percent-encoding and parameter order kept)
    TIMESTAMP            (Unix seconds, ASCII decimal)
    NONCE                (32 lowercase hex characters)
    X-Person-Token value (empty line when absent)
    Idempotency-Key value (empty line when absent)
    hex(SHA-256(body))

The platform checks the headers' presence, form, freshness and kiosk (``precheck``)
before it reads the body, so an unsigned caller can't make it buffer anything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping

HEADER_KIOSK = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"
HEADER_IDEMPOTENCY = "Idempotency-Key"
HEADER_PERSON_TOKEN = "X-Person-Token"
"""The same name as ``contract.paths.PERSON_TOKEN_HEADER``."""
COVERED_HEADERS = (HEADER_PERSON_TOKEN, HEADER_IDEMPOTENCY)
"""Headers inside the signature, in string-to-sign order."""
MAX_SKEW_S = 300
MAX_TIMESTAMP_DIGITS = 12


class SignatureError(Exception):
    """Why a request's signature was refused; ``code`` is the problem+json machine code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def covered(headers: Mapping[str, str] | None) -> list[str]:
    """The covered headers' values (empty when absent), looked up case-insensitively."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    return [lower.get(name.lower(), "") for name in COVERED_HEADERS]


def body_digest(body: bytes) -> str:
    """hex(SHA-256(body)): the last line of the string to sign (the platform also keys stored answers on it)."""
    return hashlib.sha256(body or b"").hexdigest()


def string_to_sign(
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    digest: str | None = None,
) -> bytes:
    """``digest``: ``body_digest(body)`` when the caller has it already (the body is not hashed again)."""
    digest = digest or body_digest(body)
    return "\n".join([method.upper(), path, timestamp, nonce, *covered(headers), digest]).encode()


def signature(
    secret: bytes,
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    digest: str | None = None,
) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body, headers, digest=digest)
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign(
    kiosk_id: str,
    secret: bytes,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: Mapping[str, str] | None = None,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers that authenticate one request.

    ``path`` includes the query string exactly as it goes on the wire; ``headers`` are the
    request's other headers, of which the ``COVERED_HEADERS`` are signed (set them first).
    """
    ts = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {
        HEADER_KIOSK: kiosk_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, method, path, ts, nonce, body, headers),
    }


def precheck(
    headers: Mapping[str, str], secret_for: Callable[[str], bytes | None], *, now: float | None = None
) -> tuple[str, bytes]:
    """Check the signature headers' presence, form and freshness and find the kiosk's secret.

    Needs no body, so the platform runs it before reading one. Returns (kiosk id, secret).
    """
    lower = {k.lower(): v for k, v in headers.items()}
    kiosk_id = lower.get(HEADER_KIOSK.lower())
    ts = lower.get(HEADER_TIMESTAMP.lower())
    nonce = lower.get(HEADER_NONCE.lower())
    sig = lower.get(HEADER_SIGNATURE.lower())
    if not (kiosk_id and ts and nonce and sig):
        raise SignatureError("unsigned", "the request carries no complete kiosk signature")
    if not (ts.isascii() and ts.isdigit() and len(ts) <= MAX_TIMESTAMP_DIGITS):
        raise SignatureError("bad_timestamp", "the signature timestamp is not a number of seconds in ASCII digits")
    if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
        raise SignatureError("bad_nonce", "the nonce must be 32 lowercase hex characters")
    if len(sig) != 64 or any(c not in "0123456789abcdef" for c in sig):
        raise SignatureError("bad_signature", "the signature must be 64 lowercase hex characters")
    current = time.time() if now is None else now
    if abs(current - int(ts)) > MAX_SKEW_S:
        raise SignatureError("stale", f"the signature timestamp is more than {MAX_SKEW_S} s off")
    if len(kiosk_id) > 128 or not kiosk_id.isprintable():
        raise SignatureError("unknown_kiosk", "the kiosk is not enrolled")
    secret = secret_for(kiosk_id)
    if secret is None:
        raise SignatureError("unknown_kiosk", "the kiosk is not enrolled")
    return kiosk_id, secret


def verify(headers: Mapping[str, str], secret: bytes, method: str, path: str, body: bytes) -> str:
    """Check the HMAC of a request whose headers passed ``precheck``; returns ``body_digest(body)``
    (computed once here, for whoever also needs it)."""
    lower = {k.lower(): v for k, v in headers.items()}
    ts = lower[HEADER_TIMESTAMP.lower()]
    nonce = lower[HEADER_NONCE.lower()]
    digest = body_digest(body)
    expected = signature(secret, method, path, ts, nonce, body, lower, digest=digest)
    if not hmac.compare_digest(expected, lower[HEADER_SIGNATURE.lower()]):
        raise SignatureError("bad_signature", "the signature does not match the request")
    return digest


def check(
    headers: Mapping[str, str],
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
    kiosk_id, secret = precheck(headers, secret_for, now=now)
    verify(headers, secret, method, path, body)
    return kiosk_id
