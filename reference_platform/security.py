"""Request authentication and idempotency, as one ASGI middleware so it sees the
exact bytes the kiosk signed and the exact response it must replay.

* Every ``/v1`` request except ``POST /v1/enrol`` must carry a valid kiosk signature
  (kiosk.platform.signing): unsigned, stale or bad ones get 401, and a nonce seen before
  (stored in SQLite) gets 401 ``replayed``. A retry is re-signed with a fresh nonce.
* Every state-changing ``/v1`` request (POST, PUT, PATCH, DELETE) must carry an
  ``Idempotency-Key`` (optional only for the unsigned enrolment, where it is
  honoured). The first response with a status below 500 is stored; a
  request with the same key and the same method, path and body gets that response
  back byte for byte; the same key with anything different gets 422.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.platform import signing
from kiosk.platform.contract import paths
from kiosk.platform.contract import problem as codes
from reference_platform.db import Database
from reference_platform.problems import problem, problem_response

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNSIGNED_V1 = frozenset({("POST", paths.ENROL)})
UNSIGNED_SCOPE = ""
"""Idempotency keys of unsigned calls live under this kiosk id (no real kiosk id is empty)."""
REPLAY_HEADER = "Idempotent-Replayed"
NONCE_PURGE_EVERY_S = 60.0


class SigningMiddleware:
    def __init__(self, app: ASGIApp, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.db = db
        self.clock = clock
        self._last_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(paths.V1 + "/"):
            await self.app(scope, receive, send)
            return
        method = scope["method"].upper()
        body = await _read_body(receive)
        replay_receive = _replaying(body, receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if (method, scope["path"]) in UNSIGNED_V1:
            # Enrolment is unsigned, but an Idempotency-Key still makes a resend safe: the
            # same key and body (which holds the code) get the first answer again, so a
            # kiosk that lost the answer does not enrol twice (kiosk provision resumes so).
            key = headers.get(signing.HEADER_IDEMPOTENCY.lower(), "").strip()
            if key and len(key) <= 200 and key.isprintable():
                await self._idempotent(scope, replay_receive, send, UNSIGNED_SCOPE, key, method, body)
            else:
                await self.app(scope, replay_receive, send)
            return
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        signed_path = raw_path + ("?" + query if query else "")
        now = self.clock()
        try:
            kiosk_id = signing.check(headers, self._secret_for, method, signed_path, body, now=now)
        except signing.SignatureError as exc:
            log.info("refused %s %s: %s", method, scope["path"], exc.code)
            await self._fail(scope, receive, send, 401, exc.code, exc.detail)
            return
        nonce = headers.get(signing.HEADER_NONCE.lower(), "")
        if not self._remember_nonce(kiosk_id, nonce, now):
            log.info("refused %s %s: replayed nonce", method, scope["path"])
            await self._fail(scope, receive, send, 401, codes.REPLAYED, "this nonce was used before")
            return
        scope.setdefault("state", {})["kiosk_id"] = kiosk_id
        if method not in STATE_CHANGING:
            await self.app(scope, replay_receive, send)
            return
        key = headers.get(signing.HEADER_IDEMPOTENCY.lower(), "").strip()
        if not key or len(key) > 200 or not key.isprintable():
            await self._fail(
                scope,
                receive,
                send,
                400,
                codes.IDEMPOTENCY_KEY_MISSING,
                "state-changing requests need an Idempotency-Key header (1..200 printable characters)",
            )
            return
        await self._idempotent(scope, replay_receive, send, kiosk_id, key, method, body)

    def _secret_for(self, kiosk_id: str) -> bytes | None:
        row = self.db.one("SELECT secret FROM kiosks WHERE kiosk_id = ?", (kiosk_id,))
        return None if row is None else row["secret"].encode()

    def _remember_nonce(self, kiosk_id: str, nonce: str, now: float) -> bool:
        with self.db.tx() as c:
            if now - self._last_purge > NONCE_PURGE_EVERY_S:
                c.execute("DELETE FROM nonces WHERE seen_at < ?", (now - 2 * signing.MAX_SKEW_S,))
                self._last_purge = now
            try:
                c.execute("INSERT INTO nonces (kiosk_id, nonce, seen_at) VALUES (?, ?, ?)", (kiosk_id, nonce, now))
            except sqlite3.IntegrityError:
                return False
        return True

    async def _idempotent(
        self, scope: Scope, receive: Receive, send: Send, kiosk_id: str, key: str, method: str, body: bytes
    ) -> None:
        digest = hashlib.sha256(body).hexdigest()
        path = scope["path"]
        with self.db.tx() as c:
            row = c.execute("SELECT * FROM idempotency WHERE kiosk_id = ? AND key = ?", (kiosk_id, key)).fetchone()
            if row is None:
                c.execute(
                    "INSERT INTO idempotency (kiosk_id, key, method, path, body_sha256, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (kiosk_id, key, method, path, digest, self.clock()),
                )
        if row is not None:
            if (row["method"], row["path"], row["body_sha256"]) != (method, path, digest):
                await self._fail(
                    scope,
                    receive,
                    send,
                    422,
                    codes.IDEMPOTENCY_MISMATCH,
                    "this Idempotency-Key was used for a different request",
                )
            elif row["status"] is None:
                await self._fail(
                    scope,
                    receive,
                    send,
                    409,
                    codes.IDEMPOTENCY_IN_PROGRESS,
                    "a request with this Idempotency-Key is still being processed",
                )
            else:
                stored_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(row["headers"])]
                stored_headers.append((REPLAY_HEADER.lower().encode(), b"true"))
                await send({"type": "http.response.start", "status": row["status"], "headers": stored_headers})
                await send({"type": "http.response.body", "body": row["body"] or b""})
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-length", b"date", b"server")
                ]
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            with self.db.tx() as c:
                if captured["status"] < 500:
                    body_bytes = bytes(captured["body"])
                    headers = captured["headers"] + [("content-length", str(len(body_bytes)))]
                    c.execute(
                        "UPDATE idempotency SET status = ?, headers = ?, body = ? WHERE kiosk_id = ? AND key = ?",
                        (captured["status"], json.dumps(headers), body_bytes, kiosk_id, key),
                    )
                else:
                    c.execute("DELETE FROM idempotency WHERE kiosk_id = ? AND key = ?", (kiosk_id, key))

    async def _fail(self, scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str) -> None:
        extra = {"WWW-Authenticate": 'KioskSignature realm="platform"'} if status == 401 else None
        response = problem_response(problem(status, code, detail, instance=scope["path"]), headers=extra)
        await response(scope, receive, send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            break
    return b"".join(chunks)


def _replaying(body: bytes, original: Receive) -> Receive:
    """Hand the already-read body to the app once, then pass through (disconnects)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
