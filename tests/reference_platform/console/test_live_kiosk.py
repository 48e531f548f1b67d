"""A remote action sent from the console in a browser, carried out by a real kiosk process.

The kiosk is ``kiosk run --demo`` (emulated devices, the demo kiosk's id and secret) pointed at
this test's platform, heartbeating every 10 s. An operator sends a test page, a masked log
upload and a screenshot of the attract screen from the kiosk page; the kiosk picks them up
with its next heartbeat, carries them out and answers; the page shows 已完成, the uploaded
log opens as text and the screenshot as a PNG.
Needs a display (run under xvfb-run, as the UI tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from reference_platform.console.auth import add_user
from reference_platform.server import ServerHandle, serve_in_thread

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerHandle, subprocess.Popen]]:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        pytest.fail("this test runs a real kiosk app: run it under xvfb-run (scripts/test.sh does)")
    work = tmp_path_factory.mktemp("live-kiosk")
    platform = serve_in_thread(work / "platform.db", always_open=True)
    add_user(platform.server.config.app.state.db, "op", "operator", PASSWORD, "", time.time())
    config = work / "kiosk.toml"
    config.write_text(f'[kiosk]\nstate_dir = "{work / "state"}"\n\n[platform]\nurl = "{platform.url}"\n\n'
                      "[metrics]\nenabled = false\nheartbeat_s = 10\n\n[display]\nfullscreen = false\n",
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1",
           "KIVY_NO_CONSOLELOG": "1", "KIOSK_CONFIG": ""}
    log = (work / "kiosk.log").open("w")
    kiosk = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--demo", "--windowed", "--config", str(config)],
                             cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield platform, kiosk
    finally:
        kiosk.terminate()
        try:
            kiosk.wait(20)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        log.close()
        platform.stop()


def _wait_for(page, url: str, action_id: str, kiosk: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        status = page.locator(f"#action-list tr[data-action-id='{action_id}']").get_attribute("data-status")
        if status not in ("pending", "deferred"):
            return status
        assert kiosk.poll() is None, f"the kiosk process exited ({kiosk.returncode})"
        assert time.monotonic() < deadline, f"action {action_id} still {status} after {timeout} s"
        time.sleep(2)


def test_a_real_kiosk_carries_out_actions_sent_from_the_console(live, browser, shots: Path) -> None:
    platform, kiosk = live
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(platform.url + "/console/login")
    page.fill("input[name=name]", "op")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    url = platform.url + f"/console/kiosks/{DEMO_KIOSK_ID}"
    sent = []
    # one at a time: the first is answered only once the kiosk is up and heartbeating, so the
    # screenshot (last) finds its window drawn
    for kind in ("print_test_page", "upload_logs", "screenshot"):
        page.goto(url)
        page.select_option("#action-kind", kind)
        page.click("#send-action")
        sent.append(page.locator("#action-list tr[data-action-id]").first.get_attribute("data-action-id"))
        status = _wait_for(page, url, sent[-1], kiosk, timeout=120)
        assert status == "done", (kind, page.locator("#action-list").inner_text())
    assert "测试页已打印" in page.locator(f"#action-list tr[data-action-id='{sent[0]}']").inner_text()
    logs = page.locator(f"#action-list tr[data-action-id='{sent[1]}'] a").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    text = requests.get(platform.url + logs, cookies=cookies, timeout=10)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.text.strip(), "the kiosk uploaded an empty log"
    shot = page.locator(f"#action-list tr[data-action-id='{sent[2]}'] a").get_attribute("href")
    png = requests.get(platform.url + shot, cookies=cookies, timeout=10)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) > 1000
    page.goto(url)
    page.screenshot(path=str(shots / "kiosk-live-actions.png"), full_page=True)
    page.close()
