"""Demo doors only on a demo platform: demo credentials and /demo/* exist only in demo mode on
loopback, a production start refuses a demo database, and /demo/pay settles show-QR orders only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from kiosk.platform.contract import paths
from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from reference_platform.app import DemoDataRefused, create_app
from reference_platform.db import Database
from reference_platform.seed import demo_credentials
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE
from reference_platform.server import serve_in_thread

from .helpers import Signed, assert_problem

REPO = Path(__file__).resolve().parents[2]


def _kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


def test_a_production_platform_has_no_demo_credentials_nor_demo_routes(tmp_path: Path) -> None:
    with serve_in_thread(tmp_path / "prod.db", demo=False) as prod:
        assert demo_credentials(Database(prod.db_path)) == []
        r = requests.post(prod.url + paths.ENROL, json={"enrolment_code": DEMO_ENROLMENT_CODE}, timeout=10)
        assert_problem(r, 403, "enrolment_code_invalid")
        assert_problem(Signed(prod.url).get(paths.CATALOG), 401, "unknown_kiosk")
        for method in ("GET", "POST"):
            r = requests.request(method, prod.url + paths.fill(paths.DEMO_PAY, order_id="O1"), timeout=10)
            assert r.status_code == 404
        assert requests.get(prod.url + paths.fill(paths.PUBLIC_VERIFY, code="NOPE"), timeout=10).status_code == 200
        services = Database(prod.db_path).one("SELECT COUNT(*) AS n FROM services")
        assert services["n"] > 0, "the catalogue is the platform's own, seeded in production too"


def test_a_production_start_refuses_a_demo_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    serve_in_thread(db, demo=True).stop()
    assert {"demo kiosk " + DEMO_KIOSK_ID, "demo enrolment code " + DEMO_ENROLMENT_CODE} <= set(
        demo_credentials(Database(db))
    )
    with pytest.raises(DemoDataRefused):
        create_app(db)
    refused = _kiosk("platform", "serve", "--db", str(db), "--port", "0")
    assert refused.returncode == 2 and "demo credentials" in refused.stderr


def test_demo_mode_only_listens_on_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve_in_thread(tmp_path / "p.db", host="0.0.0.0", demo=True)
    refused = _kiosk("platform", "serve", "--demo", "--host", "0.0.0.0", "--port", "0", "--db", str(tmp_path / "q.db"))
    assert refused.returncode == 2 and "loopback" in refused.stderr
    assert not (tmp_path / "q.db").exists()


def test_demo_pay_settles_show_qr_orders_only(platform, api) -> None:
    body = {"service_code": "440100-YBJ-0201", "items": [{"ref": "fee:0", "amount_fen": 38000}], "mode": "scan"}
    scan = api.post(paths.ORDERS, body).json()
    r = requests.post(platform.url + paths.fill(paths.DEMO_PAY, order_id=scan["order_id"]), timeout=10)
    assert_problem(r, 404, "not_found")
    assert api.get(paths.fill(paths.ORDER, order_id=scan["order_id"])).json()["status"] == "created"
    qr = api.post(paths.ORDERS, body | {"mode": "show_qr"}).json()
    r = requests.post(platform.url + paths.fill(paths.DEMO_PAY, order_id=qr["order_id"]), timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "paid"
