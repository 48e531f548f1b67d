"""A fault-injecting HTTP proxy on loopback in front of the reference platform.

``proxy.fault = "500"`` (or "stall", "reset", "truncated", "malformed", "html") makes
every request whose path starts with ``proxy.only`` fail that way; "ok" forwards.
``proxy.rewrite(method, path, status, body) -> (status, body)`` may change what the
platform answered (sent as JSON), to play a newer platform. Bounded: stalls sleep
``stall_s`` and then close; the server stops with the test.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class FaultProxy:
    def __init__(self, upstream: str, stall_s: float = 3.0) -> None:
        self.upstream = upstream
        self.fault = "ok"
        self.only = "/"
        self.stall_s = stall_s
        self.hits: list[tuple[str, str, str]] = []
        self.rewrite: Callable[[str, str, int, bytes], tuple[int, bytes]] | None = None
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy.fault if self.path.startswith(proxy.only) else "ok"
                proxy.hits.append((self.command, self.path, fault))
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    return
                if fault == "stall":
                    time.sleep(proxy.stall_s)
                    self.close_connection = True
                    return
                if fault == "500":
                    return self._send(500, b'{"oops": true}', "application/json")
                if fault == "malformed":
                    return self._send(200, b'{"announcements": [ {"title": ', "application/json")
                if fault == "html":
                    return self._send(200, b"<html><body>Gateway login</body></html>", "text/html")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
                resp = requests.request(self.command, proxy.upstream + self.path, data=body, headers=headers,
                                        timeout=10, allow_redirects=False)
                status, content = resp.status_code, resp.content
                answered = dict(resp.headers)
                if proxy.rewrite is not None:
                    status, new = proxy.rewrite(self.command, self.path, status, content)
                    if new != content:
                        content = new
                        answered = {k: v for k, v in answered.items() if k.lower() not in ("content-type", "etag")}
                        answered["Content-Type"] = "application/json"
                if fault == "truncated":
                    self.send_response(status)
                    self.send_header("Content-Type", resp.headers.get("Content-Type", "application/json"))
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content[: len(content) // 2])
                    self.close_connection = True
                    return
                self.send_response(status)
                for k, v in answered.items():
                    if k.lower() not in HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PUT = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, name="fault-proxy", daemon=True).start()

    def set(self, fault: str, only: str = "/") -> None:
        self.fault, self.only = fault, only

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
