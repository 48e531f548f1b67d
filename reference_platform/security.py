"""Request authentication, body limits and idempotency, as one ASGI middleware so it sees
the exact bytes the kiosk signed and the exact response it must replay.

* Bodies are capped per route (``body_limit``) before anything is buffered: a declared
  ``Content-Length`` above the cap gets 413 at once, a streamed body is cut off at the cap.
* Every ``/v1`` request except ``POST /v1/enrol`` must carry a valid kiosk signature
  (kiosk.platform.signing). The headers are checked (present, well formed, fresh, a known
  kiosk) before the body is read; then the HMAC. Unsigned, stale or bad ones get 401, and
  a nonce seen before (stored in SQLite) gets 401 ``replayed``.
* Every state-changing ``/v1`` request (POST, PUT, PATCH, DELETE) must carry an
  ``Idempotency-Key`` (optional only for the unsigned enrolment, where it is honoured).
  The request runs in one request transaction (``Database.begin_request``): the route's
  effect, the nonce and the stored answer commit together, after the route answered below
  500. So a request that fails or dies before the commit leaves nothing (a retry runs it
  afresh), and one that committed answers every retry with the same key byte for byte
  (header ``Idempotent-Replayed: true``), even when the first answer never reached the
  kiosk. The same key with another method, path, query or body gets 422. While a request
  runs, its transaction holds SQLite's write lock: a retry with the same key waits for it
  and then replays; a process killed mid-request releases the lock with the process.
* Requests that arrive together commit together (``reference_platform.group_commit``): each
  state-changing request in a savepoint of a shared transaction, each GET's nonce in it too,
  one fsync for the lot (after the write lock is free again), and no write answered before
  that fsync (a GET, which acknowledges no write, once its nonce is committed: ``_read``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.platform import signing
from kiosk.platform.contract import paths
from kiosk.platform.contract import problem as codes
from reference_platform.db import Database
from reference_platform.group_commit import BatchFailed, GroupCommit
from reference_platform.problems import problem, problem_response

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNSIGNED_V1 = frozenset({("POST", paths.ENROL)})
UNSIGNED_SCOPE = ""
"""Idempotency keys of unsigned calls live under this kiosk id (no real kiosk id is empty)."""
REPLAY_HEADER = "Idempotent-Replayed"
NONCE_PURGE_EVERY_S = 60.0
LEGACY_LEASE_S = 120.0
"""An unfinished idempotency row (written by older versions before the route ran) blocks
its key this long at most; then the request may run again."""

DEFAULT_BODY_LIMIT = 64 * 1024
BODY_LIMITS: dict[tuple[str, str], int] = {
    ("POST", paths.APPLICATIONS): 32 * 1024 * 1024,
    ("POST", paths.IDENTITY_FACE): 8 * 1024 * 1024,
    ("POST", paths.ENROL): 4 * 1024,
    ("POST", paths.ACTION_ACK): 8 * 1024 * 1024,
}
"""Largest body each route takes (keys are path templates): scanned materials, a face photo and a remote
action's answer (masked logs, a screenshot, base64) are big, the rest is small JSON."""
FAULT_COMMIT_DELAY_ENV = "KIOSK_PLATFORM_FAULT_COMMIT_DELAY_S"
"""Fault injection for tests: hold each request transaction open this long before committing."""


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template)) + "$")


_TEMPLATED = [(method, _template_pattern(template), limit)
              for (method, template), limit in BODY_LIMITS.items() if "{" in template]


def body_limit(method: str, path: str) -> int:
    """The cap for ``path``: its own entry, else the first template it fills, else the default."""
    if (method, path) in BODY_LIMITS:
        return BODY_LIMITS[(method, path)]
    for m, pattern, limit in _TEMPLATED:
        if m == method and pattern.match(path):
            return limit
    return DEFAULT_BODY_LIMIT


class BodyTooLarge(Exception):
    pass


class SigningMiddleware:
    def __init__(
        self, app: ASGIApp, db: Database, clock: Callable[[], float] = time.time, keep_answers_s: float | None = None
    ) -> None:
        """``keep_answers_s``: how long a stored idempotent answer is kept (None: for ever)."""
        self.app = app
        self.db = db
        self.clock = clock
        self.keep_answers_s = keep_answers_s
        self._last_purge = 0.0
        self.writes = GroupCommit(db, float(os.environ.get(FAULT_COMMIT_DELAY_ENV, "0") or 0))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(paths.V1 + "/"):
            await self.app(scope, receive, send)
            return
        method = scope["method"].upper()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        limit = body_limit(method, scope["path"])
        declared = headers.get("content-length", "")
        if declared and (not declared.isascii() or not declared.isdigit() or int(declared[:20]) > limit):
            await self._fail(
                scope, receive, send, 413, codes.BODY_TOO_LARGE, f"bodies here are at most {limit} bytes", close=True
            )
            return
        query = scope.get("query_string", b"").decode("latin-1")
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        target = raw_path + ("?" + query if query else "")
        if (method, scope["path"]) in UNSIGNED_V1:
            body = await self._body(scope, receive, send, limit)
            if body is None:
                return
            # Enrolment is unsigned, but an Idempotency-Key still makes a resend safe: the
            # same key and body (which holds the code) get the first answer again, so a
            # kiosk that lost the answer does not enrol twice (kiosk provision resumes so).
            key = headers.get(signing.HEADER_IDEMPOTENCY.lower(), "").strip()
            replay_receive = _replaying(body, receive)
            if _good_key(key):
                await self._transact(
                    scope, replay_receive, send, UNSIGNED_SCOPE, key, method, target, signing.body_digest(body), None
                )
            else:
                await self.app(scope, replay_receive, send)
            return
        now = self.clock()
        try:
            # On the event loop: one indexed read on this thread's WAL reader, which never waits for a writer.
            kiosk_id, secret = signing.precheck(headers, self._secret_for, now=now)
        except signing.SignatureError as exc:
            log.info("refused %s %s: %s", method, scope["path"], exc.code)
            await self._fail(scope, receive, send, 401, exc.code, exc.detail, close=True)
            return
        body = await self._body(scope, receive, send, limit)
        if body is None:
            return
        try:
            digest = signing.verify(headers, secret, method, target, body)
        except signing.SignatureError as exc:
            log.info("refused %s %s: %s", method, scope["path"], exc.code)
            await self._fail(scope, receive, send, 401, exc.code, exc.detail)
            return
        nonce = headers[signing.HEADER_NONCE.lower()]
        scope.setdefault("state", {})["kiosk_id"] = kiosk_id
        replay_receive = _replaying(body, receive)
        if method not in STATE_CHANGING:
            await self._read(scope, receive, replay_receive, send, kiosk_id, nonce, now)
            return
        key = headers.get(signing.HEADER_IDEMPOTENCY.lower(), "").strip()
        if not _good_key(key):
            await self._fail(
                scope,
                receive,
                send,
                400,
                codes.IDEMPOTENCY_KEY_MISSING,
                "state-changing requests need an Idempotency-Key header (1..200 printable characters)",
            )
            return
        await self._transact(scope, replay_receive, send, kiosk_id, key, method, target, digest, (nonce, now))

    async def _body(self, scope: Scope, receive: Receive, send: Send, limit: int) -> bytes | None:
        """The whole body, or None after answering 413 when it grows past ``limit``."""
        try:
            return await _read_body(receive, limit)
        except BodyTooLarge:
            log.info("refused %s %s: body over %d bytes", scope["method"], scope["path"], limit)
            detail = f"bodies here are at most {limit} bytes"
            await self._fail(scope, receive, send, 413, codes.BODY_TOO_LARGE, detail, close=True)
            return None

    def _secret_for(self, kiosk_id: str) -> bytes | None:
        row = self.db.one("SELECT secret FROM kiosks WHERE kiosk_id = ?", (kiosk_id,))
        return None if row is None else row["secret"].encode()

    def _purge_nonces(self, c: sqlite3.Connection, now: float) -> None:
        """Forget nonces too old to pass the signature check anyway, and stored answers past ``keep_answers_s``."""
        if now - self._last_purge > NONCE_PURGE_EVERY_S:
            c.execute("DELETE FROM nonces WHERE seen_at < ?", (now - 2 * signing.MAX_SKEW_S,))
            if self.keep_answers_s is not None:
                c.execute("DELETE FROM idempotency WHERE created_at < ?", (now - self.keep_answers_s,))
            self._last_purge = now

    def _remember_nonce(self, kiosk_id: str, nonce: str, now: float, c: sqlite3.Connection) -> bool:
        """Record a nonce in ``c``'s open transaction; False when it was seen before."""
        self._purge_nonces(c, now)
        try:
            c.execute("INSERT INTO nonces (kiosk_id, nonce, seen_at) VALUES (?, ?, ?)", (kiosk_id, nonce, now))
        except sqlite3.IntegrityError:
            return False
        return True

    async def _read(self, scope: Scope, receive: Receive, replay_receive: Receive, send: Send, kiosk_id: str,
                    nonce: str, now: float) -> None:
        """A GET: its answer is made first and sent only once its nonce is committed (a replay gets 401
        and never sees the answer made for it; reads change nothing).

        Committed, not fsynced: a GET acknowledges no write, and a committed nonce survives a crash
        of the process (its WAL frames are in the kernel). Only a power cut or a kernel crash in the
        moment before the next fsync could lose it, and with it the refusal of one replay of this
        read within the signature's freshness window. Waiting for the disk here would put an fsync
        (milliseconds, tens of them while the disk is busy) into every read a kiosk makes."""
        answer: list[Message] = []

        async def keep(message: Message) -> None:
            answer.append(message)

        await self.app(scope, replay_receive, keep)
        try:
            fresh = await self._remember_read_nonce(kiosk_id, nonce, now)
        except BatchFailed:
            log.exception("nonce not committed on %s %s", scope["method"], scope["path"])
            answer = await _render(self._problem(scope, 500, "internal", "internal error"))
            fresh = True
        if not fresh:
            await self._refuse_replayed(scope, receive, send, scope["method"])
            return
        for message in answer:
            await send(message)

    async def _remember_read_nonce(self, kiosk_id: str, nonce: str, now: float) -> bool:
        """Commit a GET's nonce (with the batch it joins); False: the nonce was seen before (a replay)."""
        return await self.writes.run(lambda conn: self._remember_nonce(kiosk_id, nonce, now, conn), durable=False)

    async def _transact(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        kiosk_id: str,
        key: str,
        method: str,
        target: str,
        digest: str,
        nonce: tuple[str, float] | None,
    ) -> None:
        """Run one state-changing request in a request transaction (see the module docstring);
        ``digest`` is the body's SHA-256 (``signing.body_digest``), the stored answer's key with the path."""
        answer: list[Message] = []
        try:
            async with self.writes.turn() as batch:
                conn = batch.conn
                conn.execute("SAVEPOINT request")
                keep = False
                try:
                    if nonce is not None and not self._remember_nonce(kiosk_id, nonce[0], nonce[1], conn):
                        answer = await _render(self._problem(scope, 401, codes.REPLAYED, "this nonce was used before"))
                        keep = True
                    else:
                        answer, keep = await self._answer(scope, receive, conn, kiosk_id, key, method, target, digest)
                finally:
                    if not keep:
                        conn.execute("ROLLBACK TO request")
                    conn.execute("RELEASE request")
            await self.writes.committed(batch)
        except Exception:
            # Answered here rather than by the server's last resort, which drops the connection.
            log.exception("unhandled error on %s %s", method, scope["path"])
            answer = await _render(self._problem(scope, 500, "internal", "internal error"))
        for message in answer:
            await send(message)

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        conn: sqlite3.Connection,
        kiosk_id: str,
        key: str,
        method: str,
        target: str,
        digest: str,
    ) -> tuple[list[Message], bool]:
        """The messages to send and whether to commit: a stored answer, a refusal or the route's answer."""
        row = conn.execute("SELECT * FROM idempotency WHERE kiosk_id = ? AND key = ?", (kiosk_id, key)).fetchone()
        if row is not None and row["status"] is None and row["created_at"] + LEGACY_LEASE_S < self.clock():
            conn.execute("DELETE FROM idempotency WHERE kiosk_id = ? AND key = ?", (kiosk_id, key))
            row = None
        if row is not None:
            if (row["method"], row["path"], row["body_sha256"]) != (method, target, digest):
                detail = "this Idempotency-Key was used for a different request"
                return await _render(self._problem(scope, 422, codes.IDEMPOTENCY_MISMATCH, detail)), True
            if row["status"] is None:
                detail = "a request with this Idempotency-Key is still being processed"
                return await _render(self._problem(scope, 409, codes.IDEMPOTENCY_IN_PROGRESS, detail)), True
            stored = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(row["headers"])]
            stored.append((REPLAY_HEADER.lower().encode(), b"true"))
            start = {"type": "http.response.start", "status": row["status"], "headers": stored}
            return [start, {"type": "http.response.body", "body": row["body"] or b""}], True
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        token = Database.bind_request(conn)
        try:
            await self.app(scope, receive, capture)
        finally:
            Database.unbind_request(token)
        status, headers, body = _collect(captured)
        if status >= 500:
            return captured, False
        stored_headers = [h for h in headers if h[0].lower() not in ("date", "server")]
        conn.execute(
            "INSERT INTO idempotency (kiosk_id, key, method, path, body_sha256, status, headers, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kiosk_id, key, method, target, digest, status, json.dumps(stored_headers), body, self.clock()),
        )
        return captured, True

    async def _refuse_replayed(self, scope: Scope, receive: Receive, send: Send, method: str) -> None:
        log.info("refused %s %s: replayed nonce", method, scope["path"])
        await self._fail(scope, receive, send, 401, codes.REPLAYED, "this nonce was used before")

    @staticmethod
    def _problem(scope: Scope, status: int, code: str, detail: str, *, close: bool = False) -> Any:
        extra = {"WWW-Authenticate": 'KioskSignature realm="platform"'} if status == 401 else {}
        if close:
            extra["Connection"] = "close"
        return problem_response(problem(status, code, detail, instance=scope["path"]), headers=extra or None)

    async def _fail(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str, *, close: bool = False
    ) -> None:
        """Answer a problem; ``close`` ends the connection so an unread body is not read on and thrown away."""
        await self._problem(scope, status, code, detail, close=close)(scope, receive, send)


def _good_key(key: str) -> bool:
    return bool(key) and len(key) <= 200 and key.isprintable()


def _collect(messages: list[Message]) -> tuple[int, list[tuple[str, str]], bytes]:
    status, headers, body = 500, [], bytearray()
    for message in messages:
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
    return status, headers, bytes(body)


async def _render(response: Any) -> list[Message]:
    """The ASGI messages a response would send."""
    messages: list[Message] = []

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    async def keep(message: Message) -> None:
        messages.append(message)

    await response({"type": "http"}, nothing, keep)
    return messages


async def _read_body(receive: Receive, limit: int) -> bytes:
    """Read the body chunk by chunk, giving up (``BodyTooLarge``) as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
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
