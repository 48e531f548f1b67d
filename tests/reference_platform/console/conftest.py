"""A real platform on loopback with the console, three sites of kiosks, one account per role, and a browser.

The sites: the demo kiosk's hall (示范政务服务中心), a bank branch and a community station,
each kiosk enrolled through ``POST /v1/enrol`` and heartbeating with real signatures. The
alert sweep runs every 0.3 s and a kiosk is offline after 5 s, so "heartbeats stop -> alert"
takes seconds.
"""

from __future__ import annotations

import base64
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from reference_platform import actions
from reference_platform.console import ConsoleSettings
from reference_platform.console.auth import add_user
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE, DEMO_SITE
from reference_platform.server import ServerHandle, serve_in_thread

from ..helpers import Signed

BANK = "工商银行人民路支行"
STATION = "幸福里社区服务站"
PASSWORD = "correct-horse-9"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETTINGS = ConsoleSettings(offline_after_s=5.0, sweep_interval_s=0.3, backlog_alert_s=600.0, case_due_days=3.0)


def beat(api: Signed, **extra: object) -> dict:
    """One signed heartbeat (a healthy kiosk unless ``extra`` says otherwise); the platform's answer."""
    body = {"kiosk_version": "1.4.2", "uptime_s": 3600.0, "journal_depth": 0, "image_version": "2026.11.2",
            "boot_slot": "kiosk_2026.11.2.efi",
            "devices": [{"name": "idreader", "state": "online"}, {"name": "printer", "state": "online", "media": "ok"},
                        {"name": "a4printer", "state": "online", "media": "ok"}], **extra}
    r = api.post("/v1/heartbeat", body)
    assert r.status_code == 200, r.text
    return r.json()


SITE_STATE: dict[str, dict[str, object]] = {
    DEMO_SITE: {"devices": [{"name": "idreader", "state": "online"},
                            {"name": "printer", "state": "online", "media": "ok"},
                            {"name": "a4printer", "state": "online", "media": "near_end"}],
                "journal_depth": 3, "unsent_oldest_age_s": 42.0, "disk_free_bytes": 12_000_000_000,
                "last_visit_at": "2026-12-05T09:12:00+08:00", "payments_paused": False},
    BANK: {"devices": [{"name": "printer", "state": "online", "media": "near_end"}], "payments_paused": True},
    STATION: {"devices": [{"name": "idreader", "state": "hardware_error", "detail": "no answer on /dev/ttyS1"},
                          {"name": "printer", "state": "online", "media": "ok"}], "rolled_back": True},
}
"""How each site's kiosks report: the hall's A4 paper and the bank's slip paper run short, the station's
reader is broken and its image rolled back."""


def wake(world: World) -> None:
    """One heartbeat from every kiosk of the fixture, each in its site's state (they go offline 5 s later)."""
    for site, clients in world.kiosks.items():
        for c in clients:
            beat(c, **SITE_STATE[site])


@dataclass
class World:
    platform: ServerHandle
    kiosks: dict[str, list[Signed]] = field(default_factory=dict)
    """site -> signing clients of its kiosks."""
    ratings: dict[str, str] = field(default_factory=dict)
    """site -> a bad rating id given at one of its kiosks."""
    actions: dict[str, str] = field(default_factory=dict)
    """site -> a remote action (a screenshot, answered with a PNG) of one of its kiosks."""

    @property
    def url(self) -> str:
        return self.platform.url

    def enrol(self, site: str) -> Signed:
        r = requests.post(self.url + "/v1/enrol", json={"enrolment_code": DEMO_ENROLMENT_CODE, "site_name": site},
                          timeout=10)
        assert r.status_code == 201, r.text
        client = Signed(self.url, r.json()["kiosk_id"], r.json()["secret"].encode())
        self.kiosks.setdefault(site, []).append(client)
        return client

    def screenshot_answered(self, api: Signed) -> str:
        """Queue a screenshot for the kiosk, take it from the heartbeat's answer and answer it with a PNG."""
        action_id = actions.queue_action(self.platform.server.config.app.state.db, api.kiosk_id, "screenshot",
                                         issued_by="test")
        r = api.post("/v1/heartbeat", {"kiosk_version": "1.4.2", "uptime_s": 1.0})
        assert [a["action_id"] for a in r.json()["actions"]] == [action_id]
        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
        r = api.post(f"/v1/actions/{action_id}/ack", {"status": "done", "payload_kind": "png", "payload_base64": png})
        assert r.status_code == 200, r.text
        return action_id

    def visit(self, api: Signed, service: str) -> None:
        """A visit summary as a kiosk sends it after a citizen used ``service`` (for the service figures)."""
        start = time.time() - 300
        r = api.post("/v1/visit-summaries", {
            "visit_id": uuid.uuid4().hex, "started_at": start, "ended_at": start + 240, "language": "zh_CN",
            "outcome": "completed", "pages_a4": 1, "services": [
                {"service_code": service, "journey": "service", "last_step": "done",
                 "completed": True, "duration_s": 200.0}]})
        assert r.status_code in (200, 201), r.text

    def rate_badly(self, api: Signed, contact: str, text: str) -> str:
        r = api.post("/v1/ratings", {"level": "very_dissatisfied", "reasons": ["slow", "system_fault"],
                                     "text": text, "contact": contact})
        assert r.status_code == 201, r.text
        return r.json()["rating_id"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    handle = serve_in_thread(tmp_path_factory.mktemp("console") / "platform.db", console_settings=SETTINGS)
    w = World(handle)
    demo = Signed(handle.url)
    w.kiosks[DEMO_SITE] = [demo]
    bank = w.enrol(BANK)
    station = w.enrol(STATION)
    wake(w)
    for site, clients in w.kiosks.items():
        w.actions[site] = w.screenshot_answered(clients[0])
        w.visit(clients[0], "svc_bank_only" if site == BANK else "svc_elsewhere")
    w.ratings[DEMO_SITE] = w.rate_badly(demo, "13812345678", "打印机不出纸，等了很久")
    w.ratings[BANK] = w.rate_badly(bank, "13987654321", "排队太久")
    w.ratings[STATION] = w.rate_badly(station, "13700001111", "读卡器坏了")
    db = handle.server.config.app.state.db
    now = time.time()
    add_user(db, "op", "operator", PASSWORD, "", now)
    add_user(db, "hall", "host", PASSWORD, DEMO_SITE, now)
    add_user(db, "bank", "host", PASSWORD, BANK, now)
    add_user(db, "rater", "rating", PASSWORD, "", now)
    yield w
    handle.stop()


def login(url: str, name: str, password: str = PASSWORD) -> requests.Session:
    """A signed-in console session over plain HTTP (the browser tests sign in through the page)."""
    s = requests.Session()
    r = s.get(url + "/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = s.post(url + "/console/login", data={"name": name, "password": password, "csrf": csrf})
    assert r.status_code == 200 and r.url.endswith("/console/fleet"), (r.status_code, r.url)
    return s


def csrf_of(page_html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page_html).group(1)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save each page: $KIOSK_DOC_SCREENSHOTS/console (docs), else a temporary folder."""
    folder = os.environ.get("KIOSK_DOC_SCREENSHOTS")
    path = Path(folder) / "console" if folder else tmp_path_factory.mktemp("console-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright (installed by scripts/bootstrap.sh; nothing downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


__all__ = ["BANK", "DEMO_KIOSK_ID", "DEMO_SITE", "SITE_STATE", "STATION", "World", "beat", "csrf_of", "login", "wake"]
