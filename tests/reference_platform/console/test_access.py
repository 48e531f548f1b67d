"""Who sees what, over plain HTTP: a host's session walks every console route and never gets
another site's kiosk, alert, rating or export; CSRF, throttling, cookies, hashing and audit."""

from __future__ import annotations

import re
import subprocess
import sys

import requests
from fastapi.routing import APIRoute

from reference_platform import console
from reference_platform.console.auth import LOGIN_MISSES_ALLOWED

from .conftest import BANK, DEMO_KIOSK_ID, DEMO_SITE, PASSWORD, STATION, World, csrf_of, login


def _console_routes() -> list[APIRoute]:
    """Every route of the console's routers (a page added later is walked without editing this test)."""
    routes = [r for router in console.routers() for r in router.routes if isinstance(r, APIRoute)]
    assert all(r.path.startswith("/console/") for r in routes)
    return routes


def _foreign_values(world: World, site: str) -> dict[str, str]:
    """Path parameters naming things of ``site`` (a kiosk, one of its alerts, one of its ratings)."""
    db = world.platform.server.config.app.state.db
    kiosk = world.kiosks[site][0].kiosk_id
    alert = db.one("SELECT a.alert_id FROM console_alerts a JOIN kiosks k ON k.kiosk_id = a.kiosk_id"
                   " WHERE k.site_name = ?", (site,))
    assert alert is not None, f"{site} should have an alert open (paper/device/rolled back)"
    return {"kiosk_id": kiosk, "alert_id": str(alert["alert_id"]), "rating_id": world.ratings[site],
            "action_id": world.actions[site]}


def test_host_cannot_reach_another_sites_data_through_any_console_route(world: World) -> None:
    bank = login(world.url, "bank")
    csrf = csrf_of(bank.get(world.url + "/console/fleet").text)
    foreign = {site: _foreign_values(world, site) for site in (DEMO_SITE, STATION)}
    secrets_of_others = [v for values in foreign.values() for k, v in values.items() if k != "alert_id"]
    secrets_of_others += ["svc_elsewhere"]  # the other sites' service figures
    secrets_of_others += [DEMO_SITE, STATION, "13812345678", "13700001111", "138****5678", "137****1111"]
    walked = 0
    for route in _console_routes():
        if route.path == "/console/logout":
            continue  # walked last: it ends the session
        params = re.findall(r"{(\w+)}", route.path)
        for values in foreign.values() if params else [{}]:
            path = route.path.format(**values)
            for method in route.methods:
                if method == "POST":
                    r = bank.post(world.url + path, data={"csrf": csrf, "step": "callback", "text": "x"},
                                  allow_redirects=False)
                else:
                    r = bank.get(world.url + path, allow_redirects=False)
                walked += 1
                if params:
                    assert r.status_code == 404, (method, path, r.status_code)
                else:
                    leaked = [s for s in secrets_of_others if s in r.text]
                    assert not leaked, (method, path, leaked)
    assert walked >= 15
    # and the bank host does see its own kiosk, its alert and its rating (masked)
    fleet = bank.get(world.url + "/console/fleet").text
    own = world.kiosks[BANK][0].kiosk_id
    assert own in fleet and BANK in fleet
    assert "svc_bank_only" in bank.get(world.url + "/console/figures").text
    own_case = bank.get(world.url + f"/console/cases/{world.ratings[BANK]}").text
    assert "139****4321" in own_case and "13987654321" not in own_case
    assert bank.get(world.url + f"/console/kiosks/{own}").status_code == 200


def test_operator_sees_every_kiosk_and_no_contact(world: World) -> None:
    op = login(world.url, "op")
    fleet = op.get(world.url + "/console/fleet").text
    for site, clients in world.kiosks.items():
        assert site in fleet
        assert all(c.kiosk_id in fleet for c in clients)
    ratings = op.get(world.url + "/console/ratings").text
    assert "138****5678" in ratings and "13812345678" not in ratings
    csv = op.get(world.url + "/console/ratings.csv").text
    assert world.ratings[BANK] in csv and "13987654321" not in csv and "139****4321" in csv


def test_rating_officer_sees_the_number_only_on_request_and_it_is_audited(world: World) -> None:
    rater = login(world.url, "rater")
    rid = world.ratings[STATION]
    page = rater.get(world.url + f"/console/cases/{rid}").text
    assert "13700001111" not in page and "137****1111" in page
    shown = rater.post(world.url + f"/console/cases/{rid}/contact", data={"csrf": csrf_of(page)})
    assert shown.status_code == 200 and "13700001111" in shown.text
    op = login(world.url, "op")
    audit = op.get(world.url + "/console/audit").text
    assert "contact_viewed" in audit and rid in audit
    assert op.post(world.url + f"/console/cases/{rid}/contact",
                   data={"csrf": csrf_of(audit)}).status_code == 404


def test_posts_without_the_csrf_token_are_refused(world: World) -> None:
    op = login(world.url, "op")
    alert = _foreign_values(world, BANK)["alert_id"]
    for path, data in ((f"/console/alerts/{alert}/ack", {}), (f"/console/alerts/{alert}/ack", {"csrf": "forged"}),
                       ("/console/logout", {})):
        r = op.post(world.url + path, data=data, allow_redirects=False)
        assert r.status_code == 403, (path, data, r.status_code)
    rater = login(world.url, "rater")
    r = rater.post(world.url + f"/console/cases/{world.ratings[BANK]}", data={"step": "callback", "text": "已回访"})
    assert r.status_code == 403
    assert op.get(world.url + "/console/fleet").status_code == 200  # still signed in: the refused logout did nothing
    db = world.platform.server.config.app.state.db
    assert db.one("SELECT acked_at FROM console_alerts WHERE alert_id = ?", (int(alert),))["acked_at"] is None


def test_login_is_throttled_after_repeated_failures(world: World) -> None:
    s = requests.Session()
    token = csrf_of(s.get(world.url + "/console/login").text)
    codes = [s.post(world.url + "/console/login",
                    data={"name": "hall", "password": f"wrong-{i}", "csrf": token}).status_code
             for i in range(LOGIN_MISSES_ALLOWED + 1)]
    assert codes == [401] * LOGIN_MISSES_ALLOWED + [429]
    # the right password is refused too while the name is held, and says when to come back
    r = s.post(world.url + "/console/login", data={"name": "hall", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    db = world.platform.server.config.app.state.db
    actions = [row["action"] for row in db.all("SELECT action FROM console_audit WHERE user_name = 'hall'")]
    assert actions.count("login_failed") == LOGIN_MISSES_ALLOWED and "login_throttled" in actions
    world.platform.server.config.app.state.console_logins._misses.clear()  # let the browser tests sign in as hall


def test_session_cookie_and_password_storage(world: World) -> None:
    s = requests.Session()
    token = csrf_of(s.get(world.url + "/console/login").text)
    r = s.post(world.url + "/console/login", data={"name": "op", "password": PASSWORD, "csrf": token},
               allow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https requests get Secure
    value = s.cookies.get("console_session")
    db = world.platform.server.config.app.state.db
    assert db.one("SELECT 1 FROM console_sessions WHERE token_hash = ?", (value,)) is None  # only a hash is kept
    assert db.one("SELECT pw_hash FROM console_users WHERE name = 'op'")["pw_hash"].startswith("$argon2id$")
    assert s.get(world.url + "/console/fleet", allow_redirects=False).status_code == 200
    assert requests.get(world.url + "/console/fleet", allow_redirects=False).headers["location"] == "/console/login"


def test_user_add_command_reads_the_password_from_stdin(tmp_path) -> None:
    db = tmp_path / "p.db"
    cmd = [sys.executable, "-m", "kiosk.cli", "platform", "user", "add", "--db", str(db)]
    ok = subprocess.run([*cmd, "--role", "host", "--name", "clerk", "--site", BANK], input="a-long-password\n",
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "a-long-password" not in ok.stdout
    no_site = subprocess.run([*cmd, "--role", "host", "--name", "clerk2"], input="a-long-password\n",
                             capture_output=True, text=True, timeout=60)
    assert no_site.returncode == 2 and "--site" in no_site.stderr
    short = subprocess.run([*cmd, "--role", "operator", "--name", "boss"], input="short\n", capture_output=True,
                           text=True, timeout=60)
    assert short.returncode == 2 and "at least" in short.stderr
    from reference_platform.console.auth import check_password
    from reference_platform.db import Database

    store = Database(db)
    try:
        who = check_password(store, "clerk", "a-long-password")
        assert who is not None and who.role == "host" and who.site == BANK
        assert check_password(store, "clerk", "wrong-password") is None
    finally:
        store.close()


def test_kiosk_page_of_unknown_kiosk_is_404_for_operator_too(world: World) -> None:
    op = login(world.url, "op")
    assert op.get(world.url + "/console/kiosks/kiosk-nope").status_code == 404
    assert DEMO_KIOSK_ID in op.get(world.url + f"/console/kiosks/{DEMO_KIOSK_ID}").text
