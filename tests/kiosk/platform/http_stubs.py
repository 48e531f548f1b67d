"""Small scripted HTTP servers on 127.0.0.1 (stdlib only) that misbehave on purpose.

Each route is a function ``(handler) -> None`` that writes whatever bytes it likes,
so a test can stall, reset the connection, cut a body short or lie about the
content type. Every request is recorded in ``hits`` (method, path, headers, body).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StubServer:
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    url: str = ""

    def route(self, method: str, path: str, fn: Route) -> None:
        self.routes[(method, path)] = fn

    def count(self, method: str, path: str) -> int:
        return sum(1 for h in self.hits if h.method == method and h.path.split("?")[0] == path)


def reply(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    ctype: str = "application/json",
    headers: dict[str, str] | None = None,
    length: int | None = None,
) -> None:
    h.send_response(status)
    if body or ctype:
        h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    try:
        h.wfile.write(body)
        h.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        h.close_connection = True  # the client gave up (read timeout): expected in stall tests


def reply_json(h: BaseHTTPRequestHandler, status: int, doc: object, **kw: object) -> None:
    reply(h, status, json.dumps(doc, ensure_ascii=False).encode(), **kw)  # type: ignore[arg-type]


def problem(status: int, code: str, zh: str = "出错了", en: str = "Something went wrong") -> Route:
    doc = {
        "type": "about:blank",
        "title": code,
        "status": status,
        "code": code,
        "citizen_message": {"zh_CN": zh, "en": en},
    }
    return lambda h: reply_json(h, status, doc, ctype="application/problem+json")


def stall(seconds: float) -> Route:
    def fn(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        reply_json(h, 200, {})

    return fn


def reset(h: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP RST (SO_LINGER 0) before answering."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


class _Handler(BaseHTTPRequestHandler):
    stub: StubServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.stub.hits.append(Hit(self.command, self.path, dict(self.headers.items()), body))
        fn = self.stub.routes.get((self.command, self.path.split("?")[0]))
        if fn is None:
            reply_json(self, 404, {"detail": "no route"})
        else:
            fn(self)

    do_GET = do_POST = do_DELETE = _dispatch


@pytest.fixture
def stub() -> Iterator[StubServer]:
    state = StubServer()
    handler = type("Handler", (_Handler,), {"stub": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def refused_url() -> str:
    """A loopback port nobody listens on: bind, note the port, close."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
