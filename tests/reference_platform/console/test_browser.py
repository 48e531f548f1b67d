"""The console in a real browser (Playwright driving Debian's chromium) against a real platform.

Each role signs in through the login page and sees its kiosks and no others; a kiosk whose
heartbeats stop shows up as an offline alert that a host acknowledges; a rating officer works
a bad rating to closed. With ``KIOSK_DOC_SCREENSHOTS=docs/screenshots`` the pages are saved
as docs/screenshots/console/*.png (else into the test's temporary folder).
"""

from __future__ import annotations

import time
from pathlib import Path

from .conftest import BANK, DEMO_SITE, PASSWORD, SITE_STATE, STATION, World, beat, wake


def _sign_in(browser, world: World, name: str):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page.goto(world.url + "/console/")
    assert page.url.endswith("/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/fleet")
    return page


def _fleet_ids(page) -> set[str]:
    return set(page.eval_on_selector_all("#fleet tbody tr[data-kiosk]", "rows => rows.map(r => r.dataset.kiosk)"))


def test_each_role_sees_its_kiosks_and_nothing_else(world: World, browser, shots: Path) -> None:
    ids = {site: {c.kiosk_id for c in clients} for site, clients in world.kiosks.items()}
    everyone = set().union(*ids.values())
    login = browser.new_page(viewport={"width": 1440, "height": 900})
    login.goto(world.url + "/console/login")
    login.screenshot(path=str(shots / "login.png"))
    login.close()
    wake(world)
    for name, expected in (("op", everyone), ("rater", everyone), ("hall", ids[DEMO_SITE]), ("bank", ids[BANK])):
        page = _sign_in(browser, world, name)
        assert _fleet_ids(page) == expected, name
        if name == "op":
            page.screenshot(path=str(shots / "fleet.png"), full_page=True)
            wake(world)
            page.select_option("select[name=status]", "problem")
            page.click(".filters button[type=submit]")
            assert _fleet_ids(page) == everyone  # every site has a problem (paper near end, reader fault)
            page.select_option("select[name=site]", STATION)
            page.click(".filters button[type=submit]")
            assert _fleet_ids(page) == ids[STATION]
        if name == "bank":
            assert DEMO_SITE not in page.content() and STATION not in page.content()
            page.goto(world.url + f"/console/kiosks/{next(iter(ids[DEMO_SITE]))}")
            assert "未找到" in page.content()
        page.close()


def test_a_kiosk_that_stops_heartbeating_raises_an_offline_alert_a_host_acknowledges(
        world: World, browser, shots: Path) -> None:
    quiet = world.enrol(DEMO_SITE)
    for i in range(6):
        beat(quiet, journal_depth=i, uptime_s=3600.0 + i)
        time.sleep(0.4)
    page = _sign_in(browser, world, "hall")
    assert quiet.kiosk_id in _fleet_ids(page)
    row = f"tr[data-alert] >> text={quiet.kiosk_id}"
    beat(quiet, journal_depth=2)  # the last heartbeat: from here on the kiosk is silent
    page.goto(world.url + "/console/alerts")
    assert page.locator(f"tr[data-kind=offline]:has-text('{quiet.kiosk_id}')").count() == 0
    deadline = time.monotonic() + 20
    offline = page.locator(f"tr[data-kind=offline]:has-text('{quiet.kiosk_id}')")
    while offline.count() == 0:  # offline needs a timer: only the sweep can notice the silence
        assert time.monotonic() < deadline, "no offline alert 20 s after the heartbeats stopped"
        time.sleep(0.5)
        page.reload()
    assert page.locator(row).count() >= 1
    page.screenshot(path=str(shots / "alerts.png"), full_page=True)
    offline.locator("button").click()
    page.wait_for_load_state()
    acked = page.locator(f"tr[data-kind=offline]:has-text('{quiet.kiosk_id}')")
    assert "hall" in acked.inner_text()
    page.goto(world.url + f"/console/kiosks/{quiet.kiosk_id}")
    assert page.locator("svg.chart").count() == 2 and "离线 offline" in page.content()
    # a heartbeat again closes the alert
    beat(quiet)
    page.goto(world.url + "/console/alerts?show=all")
    assert "恢复" in page.content()
    row_text = page.locator(f"tr[data-kind=offline]:has-text('{quiet.kiosk_id}')").first.inner_text()
    assert "未恢复" not in row_text
    wake(world)
    page.goto(world.url + f"/console/kiosks/{world.kiosks[DEMO_SITE][0].kiosk_id}")
    page.screenshot(path=str(shots / "kiosk.png"), full_page=True)
    page.close()


def test_rating_officer_works_a_bad_rating_to_closed(world: World, browser, shots: Path) -> None:
    rid = world.ratings[BANK]
    page = _sign_in(browser, world, "rater")
    page.goto(world.url + "/console/ratings")
    assert page.locator(f"tr[data-rating={rid}]").count() == 1
    assert "13987654321" not in page.content()
    page.screenshot(path=str(shots / "ratings.png"), full_page=True)
    page.click(f"a[href='/console/cases/{rid}']")
    assert page.inner_text("#case-status") == "待回访"
    page.click("#contact button")
    assert "13987654321" in page.inner_text("#contact")
    page.fill("#callback-text", "已电话回访，群众反映排队时间长，已致歉并说明改进措施。")
    page.click("#save-callback")
    assert page.inner_text("#case-status") == "已回访待整改"
    assert "13987654321" not in page.content()  # shown once, on request
    page.fill("#rectification-text", "高峰时段增开一台终端并安排引导员。")
    page.click("#close-case")
    assert page.inner_text("#case-status") == "已办结"
    assert page.locator("#close-case").count() == 0
    page.screenshot(path=str(shots / "case.png"), full_page=True)
    page.goto(world.url + "/console/report")
    assert page.inner_text("#cases-total") == "3" and page.inner_text("#close-rate") == "33%"
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    page.close()
    op = _sign_in(browser, world, "op")
    op.goto(world.url + "/console/audit")
    actions = set(op.eval_on_selector_all("#audit tbody tr[data-action]", "rows => rows.map(r => r.dataset.action)"))
    assert {"login", "contact_viewed", "case_callback", "case_close", "alert_ack"} <= actions
    op.screenshot(path=str(shots / "audit.png"), full_page=True)
    op.close()


def test_operator_sends_a_remote_action_and_sees_the_kiosk_answer(world: World, browser, shots: Path) -> None:
    kiosk = world.kiosks[STATION][0]
    page = _sign_in(browser, world, "op")
    page.goto(world.url + f"/console/kiosks/{kiosk.kiosk_id}")
    page.select_option("#action-kind", "print_test_page")
    page.click("#send-action")
    row = page.locator("#action-list tr[data-status=pending]")
    assert row.count() == 1 and "打印测试页" in row.inner_text()
    action_id = row.get_attribute("data-action-id")
    # the kiosk's next heartbeat carries the action; the kiosk answers it
    handed = beat(kiosk, **SITE_STATE[STATION])["actions"]
    assert [(a["action_id"], a["kind"]) for a in handed] == [(action_id, "print_test_page")]
    r = kiosk.post(f"/v1/actions/{action_id}/ack", {"status": "done", "detail": "test page printed"})
    assert r.status_code == 200, r.text
    page.reload()
    done = page.locator(f"#action-list tr[data-action-id='{action_id}']")
    assert done.get_attribute("data-status") == "done" and "test page printed" in done.inner_text()
    # a configuration that is not TOML is refused on the spot, nothing queued
    page.select_option("#action-kind", "config_push")
    page.fill("textarea[name=toml]", "[timeouts\nidle_s = ")
    page.click("#send-action")
    assert "无法下发" in page.content() and "TOML" in page.content()
    page.goto(world.url + f"/console/kiosks/{kiosk.kiosk_id}")
    assert page.locator("#action-list tr[data-action-id]").count() == 2  # the screenshot and the test page
    page.screenshot(path=str(shots / "kiosk-actions.png"), full_page=True)
    page.goto(world.url + "/console/figures")
    assert page.inner_text("#visits") == "3"
    page.screenshot(path=str(shots / "figures.png"), full_page=True)
    page.close()
    host = _sign_in(browser, world, "hall")
    host.goto(world.url + f"/console/kiosks/{world.kiosks[DEMO_SITE][0].kiosk_id}")
    assert host.locator("#send-action").count() == 0 and host.locator("#action-list tr[data-action-id]").count() >= 1
    assert host.locator("a[href$='/payload']").count() == 0  # logs and screenshots are for operators
    host.close()
