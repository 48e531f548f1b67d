"""The fault proxy over real TCP: each fault kind does what it says to the client and to the upstream."""

from __future__ import annotations

import http.server
import threading

import pytest
import requests

from devtools.chaos.faultproxy import KINDS, FaultPlan, FaultProxy
from tests.waiting import eventually


class Upstream(http.server.ThreadingHTTPServer):
    """A tiny HTTP server that counts the POSTs it received (the writes that "committed")."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.writes.append(body)
                answer = b'{"ok":true}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def upstream():
    server = Upstream()
    yield server
    server.shutdown()
    server.server_close()


def proxy_for(upstream: Upstream, kind: str | None, stall_s: float = 1.0, seed: int = 1) -> FaultProxy:
    plan = FaultPlan(rate=1.0 if kind else 0.0, kinds=(kind,) if kind else KINDS, stall_s=stall_s, seed=seed)
    return FaultProxy(plan, upstream=("127.0.0.1", upstream.server_address[1])).start()


def post(proxy: FaultProxy, body: bytes = b'{"n":1}', timeout: float = 5.0) -> requests.Response:
    return requests.post(proxy.url + "/v1/things", data=body, timeout=timeout,
                         headers={"Content-Type": "application/json", "Idempotency-Key": "k1"})


def test_no_fault_passes_the_answer_through(upstream):
    proxy = proxy_for(upstream, None)
    try:
        resp = post(proxy)
        assert resp.status_code == 201 and resp.json() == {"ok": True}
        assert upstream.writes == [b'{"n":1}']
        assert proxy.report()["forwarded"] == 1 and proxy.report()["faults"] == 0
    finally:
        proxy.stop()


def test_error_before_never_reaches_the_platform(upstream):
    proxy = proxy_for(upstream, "error_before")
    try:
        assert post(proxy).status_code in (500, 502, 503)
        assert upstream.writes == []
        assert proxy.report()["error_before"] == 1
    finally:
        proxy.stop()


def test_error_after_commits_the_write_and_loses_the_answer(upstream):
    proxy = proxy_for(upstream, "error_after")
    try:
        assert post(proxy).status_code in (500, 502, 503)
        assert upstream.writes == [b'{"n":1}']
    finally:
        proxy.stop()


def test_reset_before_resets_and_forwards_nothing(upstream):
    proxy = proxy_for(upstream, "reset_before")
    try:
        with pytest.raises(requests.ConnectionError):
            post(proxy)
        assert upstream.writes == []
    finally:
        proxy.stop()


def test_reset_after_resets_once_the_platform_answered(upstream):
    proxy = proxy_for(upstream, "reset_after")
    try:
        with pytest.raises(requests.ConnectionError):
            post(proxy)
        assert upstream.writes == [b'{"n":1}']
    finally:
        proxy.stop()


def test_stall_outlasts_the_client_and_delivers_late(upstream):
    proxy = proxy_for(upstream, "stall", stall_s=1.0)
    try:
        with pytest.raises(requests.ReadTimeout):
            post(proxy, timeout=0.3)
        assert upstream.writes == []  # still held when the kiosk gave up
        assert eventually(lambda: upstream.writes == [b'{"n":1}'])
    finally:
        proxy.stop()


def test_a_dead_platform_is_a_502(upstream):
    proxy = proxy_for(upstream, None)
    try:
        proxy.upstream = None
        assert post(proxy).status_code == 502
        assert proxy.report()["upstream_down"] == 1
        proxy.set_upstream("127.0.0.1", upstream.server_address[1])
        assert post(proxy).status_code == 201
    finally:
        proxy.stop()


def test_the_same_seed_draws_the_same_faults(upstream):
    def faults(seed: int) -> list[int]:
        proxy = FaultProxy(FaultPlan(rate=0.5, kinds=("error_before",), seed=seed),
                           upstream=("127.0.0.1", upstream.server_address[1])).start()
        try:
            return [post(proxy).status_code for _ in range(12)]
        finally:
            proxy.stop()

    first = faults(7)
    assert first == faults(7)
    assert 201 in first and any(s >= 500 for s in first)


def test_a_bad_plan_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan(rate=1.5)
    with pytest.raises(ValueError, match="fault kinds"):
        FaultPlan(rate=0.1, kinds=("teleport",))
