"""Orders over real HTTP: payment codes, the demo show-QR path, and never two charges."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from kiosk.platform.contract import paths
from reference_platform.audit import audit
from reference_platform.server import serve_in_thread

from .helpers import Signed, assert_problem

WECHAT = "134567890123456789"
ALIPAY = "28763443825664394"
FINE_SERVICE = "440100-YBJ-0201"


def _order(api, mode="scan"):
    r = api.post(
        paths.ORDERS, {"service_code": FINE_SERVICE, "items": [{"ref": "fee:0", "amount_fen": 38000}], "mode": mode}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_pay_with_code_charges_once(api, platform):
    order = _order(api)
    assert order["status"] == "created" and order["amount_fen"] == 38000
    pay = paths.fill(paths.ORDER_PAY, order_id=order["order_id"])
    first = api.post(pay, {"payment_code": WECHAT}, key="pay-1")
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "paid" and first.json()["channel"] == "wechat"
    # The kiosk resends after a lost response: same key, same answer, no new charge.
    again = api.post(pay, {"payment_code": WECHAT}, key="pay-1")
    assert again.content == first.content
    # A second attempt with a new code and key is refused.
    assert_problem(api.post(pay, {"payment_code": ALIPAY}), 409, "order_not_payable")
    report = audit(platform.db_path)
    assert report["charges_per_order"][order["order_id"]] == 1
    assert report["double_charges"] == []
    status = api.get(paths.fill(paths.ORDER, order_id=order["order_id"])).json()
    assert status["status"] == "paid" and status["receipt_code"]


def test_payment_codes_are_validated_and_single_use(api):
    order = _order(api)
    pay = paths.fill(paths.ORDER_PAY, order_id=order["order_id"])
    assert_problem(api.post(pay, {"payment_code": "99" + "1" * 16}), 422, "payment_code_invalid")
    assert_problem(api.post(pay, {"payment_code": "12"}), 422, "validation")
    other = _order(api)
    assert (
        api.post(
            paths.fill(paths.ORDER_PAY, order_id=other["order_id"]), {"payment_code": "255555555555555555"}
        ).json()["status"]
        == "paid"
    )
    assert_problem(api.post(pay, {"payment_code": "255555555555555555"}), 409, "payment_code_used")


def test_declined_code_fails_the_order(api):
    order = _order(api)
    r = api.post(paths.fill(paths.ORDER_PAY, order_id=order["order_id"]), {"payment_code": "121111111111114444"})
    assert r.json()["status"] == "failed"


def test_show_qr_settles_through_demo_endpoint(api, platform):
    order = _order(api, mode="show_qr")
    assert order["status"] == "pending"
    assert order["qr_text"] == order["pay_url"] == platform.url + f"/demo/pay/{order['order_id']}"
    assert requests.post(order["pay_url"], timeout=10).json()["status"] == "paid"
    assert requests.post(order["pay_url"], timeout=10).json()["status"] == "paid"
    assert audit(platform.db_path)["charges_per_order"][order["order_id"]] == 1
    polled = api.get(paths.fill(paths.ORDER, order_id=order["order_id"])).json()
    assert polled["status"] == "paid" and polled["channel"] == "demo"


def test_cancelled_order_cannot_be_paid_and_refund(api):
    order = _order(api)
    oid = order["order_id"]
    assert api.post(paths.fill(paths.ORDER_CANCEL, order_id=oid), {}).json()["status"] == "cancelled"
    assert_problem(
        api.post(paths.fill(paths.ORDER_PAY, order_id=oid), {"payment_code": WECHAT[:-1] + "0"}),
        409,
        "order_not_payable",
    )
    paid = _order(api)
    api.post(paths.fill(paths.ORDER_PAY, order_id=paid["order_id"]), {"payment_code": "151111111111111111"})
    refund = api.post(paths.fill(paths.ORDER_REFUND, order_id=paid["order_id"]), {"reason": "print_failed"})
    assert refund.json()["status"] == "refunded"
    assert_problem(api.post(paths.fill(paths.ORDER_CANCEL, order_id=paid["order_id"]), {}), 409, "conflict")


def test_amounts_come_from_the_platform(api):
    wrong = {"service_code": FINE_SERVICE, "items": [{"ref": "fee:0", "amount_fen": 1}]}
    assert_problem(api.post(paths.ORDERS, wrong), 422, "amount_mismatch")
    water = {"service_code": "440100-SW-1001", "items": [{"ref": "SW-0100234567", "amount_fen": 8650}]}
    order = api.post(paths.ORDERS, water).json()
    assert order["items"][0]["description"].startswith("水费")
    api.post(paths.fill(paths.ORDER_PAY, order_id=order["order_id"]), {"payment_code": "101111111111111112"})
    assert_problem(api.post(paths.ORDERS, water), 409, "conflict")
    assert_problem(api.post(paths.ORDERS, {"service_code": "440100-ZW-0901", "items": water["items"]}), 409, "conflict")


def test_unknown_order_is_404(api):
    assert_problem(api.get(paths.fill(paths.ORDER, order_id="O-none")), 404, "not_found")


def test_fifty_parallel_payers_of_one_bill_make_one_charge(tmp_path):
    """Fifty open orders for one bill, each paid at once with its own code and its own key."""
    bill = {"service_code": "440100-CZ-1002", "items": [{"ref": "FS-44010026000456", "amount_fen": 8000}]}
    with serve_in_thread(tmp_path / "p.db", always_open=True) as platform:
        payers = [Signed(platform.url) for _ in range(50)]
        orders = [p.post(paths.ORDERS, bill).json()["order_id"] for p in payers]
        gate = threading.Barrier(len(payers))

        def pay(n: int) -> int:
            gate.wait()
            code = f"13{n:016d}"
            return payers[n].post(paths.fill(paths.ORDER_PAY, order_id=orders[n]), {"payment_code": code}).status_code

        with ThreadPoolExecutor(len(payers)) as pool:
            statuses = list(pool.map(pay, range(len(payers))))
        report = audit(platform.db_path)
    assert statuses.count(200) == 1 and statuses.count(409) == len(payers) - 1, statuses
    assert sum(report["charges_per_order"].get(o, 0) for o in orders) == 1
