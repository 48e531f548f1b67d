"""Paying a fee (便民缴费) over the real reference platform, with the scanner and printer emulators.

What must hold (DESIGN.md, reliability invariant 2): one order is never charged twice. The
platform refuses a second charge on its own (UNIQUE charges), so these tests also count
what the kiosk *sent*: calls to ``pay_with_code`` and payment codes that reached the
platform (``used_payment_codes``), not only the charges.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

import cv2
import numpy as np
import pytest
import requests

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys import pay, pay_watch
from kiosk.platform.contract.payments import OrderStatus
from kiosk.platform.errors import PlatformTimeout
from kiosk.services.reconcile import record_order
from kiosk.views import Pairs, Picture
from reference_platform.audit import audit
from reference_platform.server import serve_in_thread

from .harness import Kiosk

SERVICE = "城乡居民基本医疗保险缴费"
WECHAT = "134567890123456789"
WECHAT_2 = "109876543210987654"
ALIPAY = "28763443825664394"


@pytest.fixture(autouse=True)
def fast_watcher(monkeypatch):
    monkeypatch.setattr(pay_watch, "TICK_S", 0.1)
    monkeypatch.setattr(pay_watch, "POLL_S", 0.2)
    monkeypatch.setattr(pay, "CHECK_GRACE_S", 0.5)
    set_language("zh_CN")


def open_pay(kiosk: Kiosk, card: str = "P001") -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code="payments")
    kiosk.wait("home.category")
    kiosk.press(SERVICE)
    kiosk.wait("guide")
    kiosk.press("pay")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS[card])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    view = kiosk.wait("pay")
    assert "380.00" in repr(view)
    kiosk.codes_before = used_codes(kiosk)


def journey(kiosk: Kiosk) -> pay.PayJourney:
    current = kiosk.controller.current
    assert isinstance(current, pay.PayJourney)
    return current


def order_id_on_screen(kiosk: Kiosk) -> str:
    for block in kiosk.view.blocks:
        if isinstance(block, Pairs):
            rows = dict(block.rows)
            if "订单号" in rows:
                return rows["订单号"]
    raise AssertionError(f"no order id on {kiosk.screen}: {kiosk.text()}")


def used_codes(kiosk: Kiosk) -> int:
    with sqlite3.connect(kiosk.runtime.server.db_path) as db:
        return db.execute("SELECT COUNT(*) FROM used_payment_codes").fetchone()[0]


def codes_sent(kiosk: Kiosk) -> int:
    """Payment codes that reached the platform since ``open_pay`` (it keeps their hashes to refuse reuse)."""
    return used_codes(kiosk) - kiosk.codes_before


def count_pay_calls(kiosk: Kiosk, before=None, after=None) -> list[str]:
    """Wrap the client's pay call; returns the list of idempotency keys it was called with."""
    client = kiosk.runtime.client
    real = client.pay_with_code
    keys: list[str] = []

    def wrapped(order_id, code, *, idempotency_key=None):
        keys.append(idempotency_key)
        if before is not None:
            before()
        result = real(order_id, code, idempotency_key=idempotency_key)
        if after is not None:
            after()
        return result

    client.pay_with_code = wrapped
    return keys


class Platform:
    """Stops and restarts the kiosk's reference platform on the same port and database."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk
        self.url = kiosk.runtime.server.url
        self.port = int(self.url.rsplit(":", 1)[1])
        self.db_path = kiosk.runtime.server.db_path

    def stop(self) -> None:
        self.kiosk.runtime.server.stop()

    def start(self) -> None:
        self.kiosk.runtime.server = serve_in_thread(self.db_path, port=self.port, always_open=True)


def pump(kiosk: Kiosk, seconds: float) -> None:
    kiosk.loop.run_until(lambda: False, seconds)


def test_scan_code_pays_once_and_prints_the_receipt(kiosk: Kiosk, caplog) -> None:
    caplog.set_level(logging.INFO)
    open_pay(kiosk)
    kiosk.press("出示付款码支付")
    kiosk.wait("pay.scan")
    order_id = order_id_on_screen(kiosk)
    assert kiosk.runtime.ledger.get(order_id).state is OrderStatus.CREATED
    kiosk.runtime.devices.emulators.scanner.scan(WECHAT)
    view = kiosk.wait("pay.result")
    shown = repr(view)
    assert "支付成功" in shown and "380.00" in shown and order_id in shown
    assert WECHAT not in shown and "6789" in shown
    receipt = dict(next(b for b in view.blocks if isinstance(b, Pairs)).rows)["回执码"]
    assert receipt.startswith("R")

    kept = kiosk.runtime.ledger.get(order_id)
    assert kept.state is OrderStatus.PAID and kept.attempt_key and kept.delivered
    report = audit(kiosk.runtime.server.db_path)
    assert report["charges_per_order"][order_id] == 1 and report["ok"]

    printer = kiosk.runtime.devices.emulators.printer
    pages = len(printer.pages)
    kiosk.press("print")
    view = kiosk.settle()
    assert "打印完成" in repr(view)
    assert len(printer.wait_pages(pages + 1)) == pages + 1

    kiosk.press("done")
    assert kiosk.screen == "rate"
    assert WECHAT not in caplog.text, "a payment code reached the log in full"


def test_second_scan_while_the_first_is_pending_is_ignored(kiosk: Kiosk, caplog) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.journeys.pay")
    open_pay(kiosk)
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    order_id = order_id_on_screen(kiosk)
    charges_before = audit(kiosk.runtime.server.db_path)["payments"]
    entered, release = threading.Event(), threading.Event()
    keys = count_pay_calls(kiosk, before=lambda: (entered.set(), release.wait(10)))
    scanner = kiosk.runtime.devices.emulators.scanner

    scanner.scan(WECHAT)
    assert kiosk.loop.run_until(entered.is_set, 5), "the first code was not sent"
    scanner.scan(ALIPAY)  # the citizen tries again while the first is still pending
    assert kiosk.loop.run_until(lambda: "ignored" in caplog.text, 5), "the second scan never arrived"
    release.set()
    kiosk.wait("pay.result")
    scanner.scan(WECHAT_2)  # and once more on the result screen
    assert kiosk.loop.run_until(lambda: caplog.text.count("ignored") >= 2, 5)

    assert len(keys) == 1
    assert codes_sent(kiosk) == 1
    report = audit(kiosk.runtime.server.db_path)
    assert report["charges_per_order"][order_id] == 1 and report["payments"] == charges_before + 1
    assert kiosk.runtime.client.order(order_id).status is OrderStatus.PAID


def test_cancel_cancels_the_order_on_the_platform(kiosk: Kiosk) -> None:
    open_pay(kiosk)
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    order_id = order_id_on_screen(kiosk)
    charges_before = audit(kiosk.runtime.server.db_path)["payments"]
    keys = count_pay_calls(kiosk)
    kiosk.press("取消支付")
    view = kiosk.wait("pay")
    assert "订单已取消" in repr(view)
    assert kiosk.runtime.client.order(order_id).status is OrderStatus.CANCELLED
    assert kiosk.runtime.ledger.get(order_id).state is OrderStatus.CANCELLED
    kiosk.runtime.devices.emulators.scanner.scan(WECHAT)
    pump(kiosk, 0.5)
    assert keys == [] and codes_sent(kiosk) == 0
    report = audit(kiosk.runtime.server.db_path)
    assert report["payments"] == charges_before and report["charges_per_order"][order_id] == 0


def test_show_qr_is_paid_through_the_demo_settle_path(kiosk: Kiosk) -> None:
    open_pay(kiosk)
    kiosk.press("手机扫码支付")
    view = kiosk.wait("pay.qr")
    order_id = order_id_on_screen(kiosk)
    assert "15 分 00 秒" in repr(view) or "14 分 5" in repr(view)  # the countdown to the order's expiry
    png = next(b for b in view.blocks if isinstance(b, Picture)).png
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    url, _points, _raw = cv2.QRCodeDetector().detectAndDecode(image)
    assert url == kiosk.runtime.server.url + f"/demo/pay/{order_id}"
    pump(kiosk, 0.5)
    assert kiosk.screen == "pay.qr"  # polling, not paid yet

    requests.post(url, timeout=5).raise_for_status()  # the citizen's phone pays
    view = kiosk.wait("pay.result")
    assert "支付成功" in repr(view) and "演示支付" in repr(view)
    assert kiosk.runtime.ledger.get(order_id).state is OrderStatus.PAID
    assert audit(kiosk.runtime.server.db_path)["charges_per_order"][order_id] == 1


def test_lost_answer_is_reconciled_and_never_resent(kiosk: Kiosk) -> None:
    """The platform charges, then goes away before the answer arrives; the kiosk asks, never resends."""
    open_pay(kiosk)
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    order_id = order_id_on_screen(kiosk)
    platform = Platform(kiosk)

    def lose_the_answer() -> None:
        platform.stop()
        raise PlatformTimeout("injected: the answer was lost")

    keys = count_pay_calls(kiosk, after=lose_the_answer)
    kiosk.runtime.devices.emulators.scanner.scan(WECHAT)
    kiosk.wait("pay.checking")
    assert kiosk.loop.run_until(lambda: "无法连接" in kiosk.text(), 10)
    kiosk.runtime.devices.emulators.scanner.scan(WECHAT_2)  # an impatient citizen
    pump(kiosk, 1.0)
    assert kiosk.screen == "pay.checking" and len(keys) == 1
    assert kiosk.runtime.ledger.get(order_id).state is OrderStatus.PENDING

    platform.start()
    view = kiosk.wait("pay.result")
    assert "支付成功" in repr(view)
    assert len(keys) == 1 and codes_sent(kiosk) == 1
    assert kiosk.runtime.ledger.get(order_id).state is OrderStatus.PAID
    assert kiosk.runtime.ledger.get(order_id).attempt_key == keys[0]
    assert audit(kiosk.runtime.server.db_path)["charges_per_order"][order_id] == 1


def test_lost_request_cancels_the_order_and_retry_makes_a_new_one(kiosk: Kiosk) -> None:
    """The pay call never reaches the platform: the open order is cancelled, not paid with a new code."""
    open_pay(kiosk)
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    first = order_id_on_screen(kiosk)
    platform = Platform(kiosk)
    stopped: list[bool] = []

    def stop_once() -> None:  # the platform goes away just as the first code is sent
        if not stopped:
            stopped.append(True)
            platform.stop()

    keys = count_pay_calls(kiosk, before=stop_once)
    scanner = kiosk.runtime.devices.emulators.scanner

    scanner.scan(WECHAT)
    kiosk.wait("pay.checking")
    platform.start()
    view = kiosk.wait("pay.result")
    assert "未扣款" in repr(view)
    assert kiosk.runtime.client.order(first).status is OrderStatus.CANCELLED
    assert kiosk.runtime.ledger.get(first).state is OrderStatus.CANCELLED
    scanner.scan(WECHAT_2)
    pump(kiosk, 0.5)
    assert len(keys) == 1 and codes_sent(kiosk) == 0

    kiosk.press("retry")
    kiosk.wait("pay.scan")
    second = order_id_on_screen(kiosk)
    assert second != first
    scanner.scan(WECHAT_2)
    kiosk.wait("pay.result")
    assert "支付成功" in kiosk.text()
    report = audit(kiosk.runtime.server.db_path)
    assert report["charges_per_order"][first] == 0 and report["charges_per_order"][second] == 1
    assert len(keys) == 2 and len(set(keys)) == 2


def test_declined_code_fails_the_order_and_walking_away_cancels_the_next(kiosk: Kiosk) -> None:
    open_pay(kiosk)
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    first = order_id_on_screen(kiosk)
    kiosk.runtime.devices.emulators.scanner.scan("134567890123454444")  # the demo bank declines
    view = kiosk.wait("pay.result")
    assert "支付未成功" in repr(view)
    assert kiosk.runtime.ledger.get(first).state is OrderStatus.FAILED

    kiosk.press("retry")
    kiosk.wait("pay.scan")
    second = order_id_on_screen(kiosk)
    kiosk.act("home")  # the citizen leaves with the new order open: asked first, then confirms
    kiosk.wait("leave.confirm")
    kiosk.press("leave")
    assert kiosk.loop.run_until(lambda: kiosk.runtime.ledger.get(second).state is OrderStatus.CANCELLED, 5)
    assert kiosk.runtime.client.order(second).status is OrderStatus.CANCELLED
    assert kiosk.runtime.ledger.unsettled() == []


def test_expired_qr_order_offers_a_new_order(kiosk: Kiosk) -> None:
    open_pay(kiosk)
    kiosk.press("show_qr")
    kiosk.wait("pay.qr")
    first = order_id_on_screen(kiosk)
    with sqlite3.connect(kiosk.runtime.server.db_path) as db:  # fast-forward the platform's clock for it
        db.execute("UPDATE orders SET expires_at = 0 WHERE order_id = ?", (first,))
    view = kiosk.wait("pay.result")
    assert "超时" in repr(view)
    assert kiosk.runtime.ledger.get(first).state is OrderStatus.EXPIRED
    kiosk.press("重新支付")
    kiosk.wait("pay.qr")
    assert order_id_on_screen(kiosk) != first


def test_a_restarted_kiosk_settles_a_crashed_order_before_the_next_visit(tmp_path) -> None:
    """A crash between the attempt and the answer: the next kiosk process settles it first."""
    from kiosk.platform.contract.payments import CreateOrderRequest, OrderItem

    first = Kiosk(tmp_path)
    client, ledger = first.runtime.client, first.runtime.ledger
    first.loop.run_until(lambda: not first.controller.settling, 5)
    order = client.create_order(CreateOrderRequest(service_code="440100-YBJ-0201",
                                                   items=[OrderItem(ref="fee:0", amount_fen=38000)]))
    record_order(ledger, order)
    ledger.begin_attempt(order.order_id)
    first.runtime.stop()  # the process dies: no end of visit, no cancel

    second = Kiosk(tmp_path, camera_settle=False)  # same state folder, same platform database; just started
    try:
        assert second.controller.settling
        second.act("start")
        assert not second.controller.active  # the tap waits for the settlement
        assert second.loop.run_until(lambda: second.controller.active, 10)
        assert second.runtime.ledger.get(order.order_id).state is OrderStatus.CANCELLED
        assert second.runtime.client.order(order.order_id).status is OrderStatus.CANCELLED
        assert not second.controller.payments_blocked
    finally:
        second.close()


def test_demo_code_button_pays_through_the_emulated_scanner(kiosk: Kiosk) -> None:
    open_pay(kiosk)
    kiosk.press("scan_code")
    kiosk.wait("pay.scan")
    kiosk.press("demo_code")
    view = kiosk.wait("pay.result")
    assert "支付成功" in repr(view)


def test_the_demo_code_button_pays_again_in_a_later_visit(kiosk: Kiosk) -> None:
    """Payment codes are single-use: the demo shows a new one every time, as a phone does."""
    for visit, card in enumerate(("P002", "P001")):  # another card: the reader sees a new one at once
        open_pay(kiosk, card)
        kiosk.press("scan_code")
        kiosk.wait("pay.scan")
        kiosk.press("demo_code")
        view = kiosk.wait("pay.result")
        assert "支付成功" in repr(view), f"visit {visit + 1}: {kiosk.text()[:300]}"
        assert any(a.id == "print" for a in kiosk.actions())
        kiosk.controller.end_visit("next citizen")
        kiosk.runtime.devices.emulators.idreader.remove()  # the citizen takes the card
        pump(kiosk, 0.5)
    assert used_codes(kiosk) == 2


def test_demo_payment_codes_are_new_well_formed_wechat_codes() -> None:
    from kiosk.services.codes import CodeKind, classify

    codes = {pay.demo_payment_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(classify(c) is CodeKind.WECHAT_PAY and not c.endswith("4444") for c in codes)


def test_the_payment_countdown_reads_as_minutes_and_seconds_left(kiosk: Kiosk) -> None:
    open_pay(kiosk)
    kiosk.press("手机扫码支付")
    view = kiosk.wait("pay.qr")
    (line,) = [b.text for b in view.blocks if getattr(b, "text", "").startswith("剩余支付时间")]
    assert line in ("剩余支付时间：15 分 00 秒", "剩余支付时间：14 分 59 秒"), line
    journey(kiosk).deadline -= 61  # a minute on: the line moves with the clock
    assert "剩余支付时间：13 分 5" in kiosk.text()
    cancel = next(a for a in view.actions if a.id == "cancel")
    assert cancel.style != "danger"  # leaving a payment is the normal way back, not a red alarm


def test_a_citizen_without_a_smartphone_gets_a_pay_at_counter_slip(kiosk: Kiosk) -> None:
    from drivers.camera.qr import QrDecoder

    open_pay(kiosk)
    printer = kiosk.runtime.devices.emulators.printer
    pages = len(printer.pages)
    kiosk.press("counter_slip")
    view = kiosk.wait("pay.counter")
    shown = repr(view)
    assert "无需使用手机" in shown and "380.00" in shown
    order_id = order_id_on_screen(kiosk)
    page = printer.wait_pages(pages + 1)[-1]
    assert [r.text for r in QrDecoder().decode(np.array(page.convert("L")))] == [order_id]
    with sqlite3.connect(kiosk.runtime.server.db_path) as db:
        mode, status, amount, ttl = db.execute(
            "SELECT mode, status, amount_fen, expires_at - created_at FROM orders WHERE order_id = ?",
            (order_id,)).fetchone()
    assert (mode, status, amount) == ("counter", "pending", 38000) and ttl >= 24 * 3600
    assert kiosk.runtime.ledger.get(order_id) is None  # never charged here: nothing to reconcile or cancel

    kiosk.press("counter_done")
    kiosk.wait("pay")
