"""A fault-injecting HTTP proxy between the chaos kiosk and the reference platform.

Real TCP on loopback both ways: the kiosk's ``platform.url`` points here, and each
request is read whole (head and ``Content-Length`` body), then, at the configured rate,
given one fault instead of an honest pass:

``error_before``
    answered 500/502/503 without forwarding (the platform never saw it);
``error_after``
    forwarded, the platform's answer dropped and 500/502/503 sent instead (the write
    committed, the answer was lost: only the idempotency key makes a resend safe);
``stall``
    held for ``stall_s`` (longer than the kiosk's read timeout), then forwarded anyway:
    the platform gets it after the kiosk gave up, possibly racing the kiosk's resend;
``reset_before`` / ``reset_after``
    the kiosk's connection reset (RST: ``SO_LINGER`` 0, then close) without forwarding,
    or after the platform answered.

Every connection carries one request (the upstream request goes out with ``Connection:
close``, and so does the answer), so a fault never leaks into a later request. When the
platform is down (killed by the harness, not yet restarted) a request is answered 502,
as a reverse proxy in front of a dead platform would, and counted as ``upstream_down``.

The faults are drawn from one ``random.Random(seed)`` in the order requests arrive, so a
run with the same seed and the same order of requests gets the same faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("error_before", "error_after", "stall", "reset_before", "reset_after")
ERROR_STATUSES = (500, 502, 503)
REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
HEAD_LIMIT = 64 * 1024
UPSTREAM_TIMEOUT_S = 60.0


class BadRequest(Exception):
    """The kiosk sent something the proxy cannot relay (it is answered 400, never forwarded)."""


@dataclass
class FaultPlan:
    """How often a request gets a fault, and which kinds are drawn (uniformly)."""

    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    stall_s: float = 5.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be some of {', '.join(KINDS)}, not {sorted(unknown) or 'none'}")


@dataclass
class Request:
    head: bytes
    body: bytes
    line: str = field(default="")


def _parse_head(head: bytes) -> tuple[str, int]:
    """The request line and the body length; chunked bodies are refused (the kiosk always sends a length)."""
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for h in lines[1:]:
        name, _, value = h.partition(":")
        name = name.strip().lower()
        if name == "transfer-encoding" and value.strip().lower() != "identity":
            raise BadRequest("chunked request bodies are not relayed")
        if name == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise BadRequest(f"bad Content-Length {value.strip()!r}") from None
            if length < 0:
                raise BadRequest("negative Content-Length")
    return lines[0], length


def _closing_head(head: bytes) -> bytes:
    """The same head with ``Connection: close`` (one request per upstream connection)."""
    lines = [h for h in head.split(b"\r\n") if h and not h.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


def _error(status: int, why: str) -> bytes:
    body = f'{{"type":"about:blank","title":"{REASONS[status]}","status":{status},"detail":"{why}"}}'.encode()
    return (f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN: linger on, zero seconds, then close."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """Listens on a free loopback port in its own thread; ``upstream`` can change while it runs."""

    def __init__(self, plan: FaultPlan, upstream: tuple[str, int] | None = None) -> None:
        self.plan = plan
        self.upstream = upstream
        self.counts: Counter[str] = Counter()
        self.port = 0
        self._rng = random.Random(plan.seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_upstream(self, host: str, port: int) -> None:
        self.upstream = (host, port)

    def report(self) -> dict[str, int]:
        return {"requests": self.counts["requests"], "forwarded": self.counts["forwarded"],
                "upstream_down": self.counts["upstream_down"], **{k: self.counts[k] for k in KINDS},
                "faults": sum(self.counts[k] for k in KINDS)}

    # -- life ------------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or not self.port:
            raise RuntimeError("the fault proxy did not start")
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()
            loop.run_forever()
        finally:
            self._ready.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
            loop.stop()

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(shut(), loop)
        if self._thread is not None:
            self._thread.join(10)

    # -- one connection, one request -------------------------------------------------------
    def _draw(self) -> str | None:
        if self._rng.random() >= self.plan.rate:
            return None
        return self._rng.choice(self.plan.kinds)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                writer.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                return
            if len(head) > HEAD_LIMIT:
                raise BadRequest("request head too large")
            line, length = _parse_head(head)
            body = await reader.readexactly(length) if length else b""
            await self._serve(Request(head, body, line), writer)
        except BadRequest as exc:
            body = str(exc).encode()
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (len(body), body))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            return
        finally:
            if not writer.transport.is_closing():
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
                writer.close()

    async def _serve(self, request: Request, writer: asyncio.StreamWriter) -> None:
        self.counts["requests"] += 1
        fault = self._draw()
        status = self._rng.choice(ERROR_STATUSES) if fault in ("error_before", "error_after") else 0
        if fault is not None:
            self.counts[fault] += 1
        if fault == "reset_before":
            _reset(writer)
            return
        if fault == "error_before":
            writer.write(_error(status, "fault proxy: not forwarded"))
            return
        if fault == "stall":
            await asyncio.sleep(self.plan.stall_s)
        answer = await self._forward(request)
        if answer is None:
            self.counts["upstream_down"] += 1
            if fault != "stall":
                writer.write(_error(502, "fault proxy: the platform is not there"))
            return
        self.counts["forwarded"] += 1
        if fault == "reset_after":
            _reset(writer)
        elif fault == "error_after":
            writer.write(_error(status, "fault proxy: the answer was lost"))
        elif not writer.transport.is_closing():
            writer.write(answer)

    async def _forward(self, request: Request) -> bytes | None:
        """The platform's whole answer, or None when it could not be reached or broke off."""
        if self.upstream is None:
            return None
        host, port = self.upstream
        try:
            up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(host, port), 3.0)
        except (TimeoutError, OSError):
            return None
        try:
            up_writer.write(_closing_head(request.head) + request.body)
            await up_writer.drain()
            answer = await asyncio.wait_for(up_reader.read(), UPSTREAM_TIMEOUT_S)
        except (TimeoutError, OSError):
            return None
        finally:
            up_writer.close()
        return answer or None
