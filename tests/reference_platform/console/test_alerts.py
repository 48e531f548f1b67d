"""Alerts reach the webhook: a real receiver on loopback gets each alert opened as JSON, after
a failed first delivery too, while the kiosk's heartbeat is answered at once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reference_platform.console import ConsoleSettings
from reference_platform.server import serve_in_thread

from ..helpers import Signed
from .conftest import beat


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[dict] = []
        self.refuse_first = True
        self.attempts = 0


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.attempts += 1
        if self.server.refuse_first:
            self.server.refuse_first = False
            self.send_response(503)
        else:
            self.server.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    threading.Thread(target=r.serve_forever, daemon=True).start()
    yield r
    r.shutdown()


def test_alerts_opened_are_posted_to_the_webhook_with_retries(tmp_path, receiver: Receiver) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    platform = serve_in_thread(tmp_path / "p.db", console_settings=ConsoleSettings(webhook_url=url))
    try:
        api = Signed(platform.url)
        started = time.monotonic()
        beat(api, devices=[{"name": "printer", "state": "online", "media": "out"}])
        assert time.monotonic() - started < 2  # the delivery (and its retry after 1 s) is not the kiosk's wait
        deadline = time.monotonic() + 15
        while not receiver.received:
            assert time.monotonic() < deadline, f"nothing delivered after {receiver.attempts} attempts"
            time.sleep(0.1)
        alert = receiver.received[0]
        assert receiver.attempts == 2
        assert {k: alert[k] for k in ("kiosk_id", "kind", "subject", "label")} == {
            "kiosk_id": "demo-kiosk-001", "kind": "paper_out", "subject": "printer", "label": "缺纸"}
        beat(api, devices=[{"name": "printer", "state": "online", "media": "out"}])  # still out: no new alert
        time.sleep(0.5)
        assert len(receiver.received) == 1
    finally:
        platform.stop()


def test_bad_webhook_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        ConsoleSettings(webhook_url="ftp://example.org/hook")
    with pytest.raises(ValueError, match="offline_after_s"):
        ConsoleSettings(offline_after_s=0)
