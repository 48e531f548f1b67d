"""Pay fees and bills (便民缴费): order, show a QR code or scan the citizen's payment code, receipt.

Steps and screens:

* ``pay`` — what is owed, from the platform: the service's catalogue fees, the citizen's
  unpaid bills (traffic fines from the traffic-violation records) or, for a bill without
  identity data (water, non-tax income), the reference and amount from the paper notice
  (``pay.bill``; the platform checks the amount). The citizen picks the items and a way
  to pay. The order is created in the worker with an idempotency key that stays the same
  for the same request (a retry after a timeout finds the same order, never a second
  one), and recorded in the payment ledger before anything else happens to it.
* ``pay.qr`` — the platform's QR code for the phone, the time left until the order
  expires, and ``client.order(id)`` polled every ``POLL_S`` seconds in the worker until
  the order is paid, expired or cancelled.
* ``pay.scan`` — "show your WeChat Pay / Alipay payment code to the scanner". The first
  payment code scanned reserves the order's single payment attempt in the ledger
  (``begin_attempt``, journaled before sending; the code itself is never stored and
  only its last four digits are ever shown or logged) and is sent with that attempt's
  key. Codes scanned while it is pending, or after it, are ignored: an order with an
  attempt on record is never charged again.
* ``pay.checking`` — the answer to the attempt did not arrive (timeout, platform down,
  5xx) or the bank is still working: the kiosk asks ``client.order(id)`` until the
  platform answers, and never resends a code. If the platform still has the order open
  after ``CHECK_GRACE_S``, the order is cancelled: the platform cancels atomically
  against a late charge, so either the charge landed first (the cancel answers 409 and
  the order is read as paid) or it never will.
* ``pay.result`` — paid (amount, order id, receipt code, "print receipt", "done"), or
  not paid (declined, expired, cancelled) with "retry" (a new order) and "back".

Every state the order reaches is written to ``runtime.ledger`` in the worker as soon as
the platform says so (``kiosk.services.reconcile.record_order``), so the ledger holds the
truth even when the visit ends before the answer is shown. A journey left with an open
order (home, timeout, the citizen walked away) cancels it from its watcher
(kiosk/journeys/pay_watch.py); ``kiosk.services.reconcile.settle_left_orders`` does the
same for orders a crash left behind and runs before the kiosk takes the next citizen.
The views of every step are in kiosk/journeys/pay_views.py.

Demo settlement on the reference platform (reference_platform/routes/payments.py, demo.py):

* scan mode: any well-formed payment code pays (WeChat Pay: 18 digits starting 10-15,
  e.g. ``134567890123456789``; Alipay: 16-24 digits starting 25-30); a code ending in
  ``4444`` is declined by the demo bank. Each code is single use (as a phone's: it shows a
  new one for every payment), so a demo shows a new one each time (``demo_payment_code``).
  With the scanner emulator: ``runtime.devices.emulators.scanner.scan(demo_payment_code())``.
* show-QR mode: the QR code encodes ``http://HOST/demo/pay/{order_id}``. Opening it in a
  browser shows a pay button; ``POST`` to it (``curl -X POST URL``, unsigned, demo only)
  settles the order, and the kiosk sees it paid at its next poll. A real platform
  settles through its acquirer instead and the QR holds the acquirer's URL.
"""

from __future__ import annotations

import logging
import secrets
import time

from drivers.scanner.events import CodeScanned
from kiosk.i18n import _
from kiosk.journeys.base import JourneyContext, Outcome, error_text
from kiosk.journeys.pay_views import PayViews
from kiosk.journeys.pay_watch import WATCHED, OrderWatch
from kiosk.platform.contract.catalog import Service
from kiosk.platform.contract.payments import Order, OrderItem, OrderStatus, PaymentMode
from kiosk.platform.contract.queries import QueryKind
from kiosk.platform.errors import Conflict, NotFound, PlatformError, ValidationRejected
from kiosk.platform.transport import new_idempotency_key
from kiosk.privacy import mask_payment_code
from kiosk.services import reconcile
from kiosk.services.codes import PAYMENT_KINDS
from kiosk.services.ledger import OPEN, IllegalTransition
from kiosk.services.printing import PrintOutcome, print_slip

log = logging.getLogger(__name__)

CHECK_GRACE_S = 20.0
"""How long a payment whose outcome is unknown may stay open on the platform before it is cancelled."""

BILL_QUERIES: dict[str, tuple[QueryKind, str, str, str, str]] = {
    "traffic": (QueryKind.TRAFFIC_VIOLATIONS, "violation_id", "fine_fen", "behaviour", "behaviour_en"),
}
"""Services without catalogue fees whose bills are in the citizen's records, by category:
query kind, and the row keys of the bill reference, amount and description (zh, en)."""


def parse_yuan(text: str) -> int | None:
    """``"86.5"`` -> 8650 fen; None for anything that is not a positive amount with at most 2 decimals."""
    t = text.strip().replace("¥", "").replace("元", "").replace(",", "")
    whole, _dot, frac = t.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 2 or len(whole) > 7:
        return None
    fen = int(whole) * 100 + int((frac + "00")[:2])
    return fen if fen > 0 else None


DEMO_PAYMENT_CODE = "134567890123456789"
"""A well-formed WeChat code (18 digits, prefix 13); the reference platform settles it once."""


def demo_payment_code() -> str:
    """A new well-formed WeChat code (18 digits, prefix 13), as a phone shows for every payment.

    Payment codes are single-use, refused once spent even after a failed payment
    (/work/shared/domain/hardware.md 4.3): one fixed code pays once per platform and is
    refused ever after.
    """
    while True:
        code = "13" + "".join(secrets.choice("0123456789") for _ in range(16))
        if not code.endswith("4444"):  # the demo bank declines those
            return code


class PayJourney(PayViews, OrderWatch):
    name = "pay"
    needs_identity = True

    def __init__(self, ctx: JourneyContext, service: Service, *, case_no: str | None = None, purpose: str = "") -> None:
        super().__init__(ctx)
        self.service = service
        self.case_no = case_no
        self.purpose = purpose
        """What the kiosk delivers after the payment (``print:<cert_id>``), kept with the order in the ledger."""
        self.items: list[OrderItem] = []
        self.chosen: list[str] = []
        """Refs of the items the citizen will pay, in the order shown."""
        self.bill_form = False
        self.bill_ref = ""
        self.bill_amount = ""
        self.bill_errors: dict[str, str] = {}
        self.mode: PaymentMode = PaymentMode.SCAN
        self.order: Order | None = None
        self.deadline = 0.0
        """time.monotonic() at which the open order expires."""
        self.attempted = False
        """The open order's one payment attempt is used (sent, or being sent)."""
        self.masked_code = ""
        self.note = ""
        self.printed: PrintOutcome | None = None
        self.check_deadline = 0.0
        self.offline = False
        """The watcher could not reach the platform at its last try."""
        self._create: tuple[str, str] | None = None
        """(request, idempotency key) of the order being created: the same request reuses the key."""
        self._watch_token = 0
        self._last_poll = 0.0
        self._png: tuple[str, bytes] = ("", b"")

    def work_at_risk(self) -> str:
        if self.state in WATCHED:
            return _("缴费尚未完成。如您已在手机上付款，请等待支付结果后再退出。")
        return ""

    def delivered(self) -> str | None:
        return self.order.order_id if self.order is not None and self.order.status is OrderStatus.PAID else None

    def tally(self) -> dict[str, int]:
        if self.order is None or self.order.status is not OrderStatus.PAID:
            return {}
        return {"payments": 1, "payments_fen": self.order.amount_fen}

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        s = self.service
        if s.fees:
            self.items = [OrderItem(ref=f"fee:{i}", description=f.name, description_en=f.name_en,
                                    amount_fen=f.amount_fen) for i, f in enumerate(s.fees)]
            self.chosen = [i.ref for i in self.items]
            self.goto("pay")
        elif s.category in BILL_QUERIES:
            self._load_bills(*BILL_QUERIES[s.category])
        else:
            self.bill_form = True
            self.goto("bill")

    def _load_bills(self, kind: QueryKind, ref_key: str, amount_key: str, zh_key: str, en_key: str) -> None:
        token = self.visit.identity.person_token

        def work() -> list[OrderItem]:
            page = self.rt.client.query(kind, token, page=1, page_size=100)
            bills = []
            for row in page.rows:
                ref, amount = row.get(ref_key), row.get(amount_key)
                if not isinstance(ref, str) or not isinstance(amount, int) or amount <= 0:
                    continue
                if row.get("handled") is False or row.get("paid") is True:
                    continue
                bills.append(OrderItem(ref=ref, description=str(row.get(zh_key) or ref),
                                       description_en=str(row.get(en_key) or ""), amount_fen=amount))
            return bills

        def loaded(bills: list[OrderItem]) -> None:
            self.items = bills
            self.chosen = [b.ref for b in bills]
            self.goto("pay")

        def failed(exc: BaseException) -> None:
            self.goto("pay")
            self.show_error(exc)

        self.goto("pay")
        self.run(work, loaded, _("正在查询待缴费用…"), failed)

    def on_demo_code(self) -> None:
        """Demo kiosks only: the emulated scanner reads a demo WeChat code, through the real driver."""
        emulator = self.rt.devices.emulators.scanner
        if emulator is not None:
            emulator.scan(demo_payment_code())

    # -- the summary ----------------------------------------------------------------------
    def on_item(self, ref: str) -> None:
        if ref in self.chosen:
            self.chosen.remove(ref)
        elif any(i.ref == ref for i in self.items):
            self.chosen = [i.ref for i in self.items if i.ref in self.chosen or i.ref == ref]
        self.ctx.changed()

    def on_field(self, name: str, value: str) -> None:
        if name == "ref":
            self.bill_ref = value.strip().upper()[:40]
        elif name == "amount":
            self.bill_amount = value.strip()[:12]
        self.bill_errors.pop(name, None)

    def on_bill_ok(self) -> None:
        errors = {}
        if not self.bill_ref:
            errors["ref"] = _("请输入缴费编号")
        amount = parse_yuan(self.bill_amount)
        if amount is None:
            errors["amount"] = _("请输入正确的金额，例如 86.50")
        self.bill_errors = errors
        if errors:
            self.ctx.changed()
            return
        assert amount is not None
        self.items = [OrderItem(ref=self.bill_ref, description=self.bill_ref, amount_fen=amount)]
        self.chosen = [self.bill_ref]
        self.note = ""
        self.goto("pay")

    def on_show_qr(self) -> None:
        self._create_order(PaymentMode.SHOW_QR)

    def on_scan_code(self) -> None:
        self._create_order(PaymentMode.SCAN)

    def on_retry(self) -> None:
        """A new order for the same items: the failed one is final and never paid again."""
        self._create_order(self.mode)

    def on_back(self) -> None:
        if self.state == "result":
            self.note = ""
            self.goto("pay")
        elif self.state == "pay" and self.bill_form:
            self.goto("bill")
        elif self.state in ("pay", "bill"):
            self.finish(Outcome.BACK)

    def _create_order(self, mode: PaymentMode) -> None:
        req = self.order_request(mode)
        if req is None:
            return
        body = req.model_dump_json()
        if self._create is None or self._create[0] != body:
            self._create = (body, new_idempotency_key())
        key = self._create[1]
        client, ledger, purpose = self.rt.client, self.rt.ledger, self.purpose

        def work() -> Order:
            order = client.create_order(req, idempotency_key=key)
            reconcile.record_order(ledger, order, purpose)
            if order.qr_text or order.pay_url:
                self._qr(order.qr_text or order.pay_url or "")  # render the QR off the UI thread
            return order

        self.mode = mode
        self.run(work, self._created, _("正在生成订单…"))

    def _created(self, order: Order) -> None:
        self._create = None  # the next order is a new one
        log.info("order %s created (%s, %d fen)", order.order_id, order.mode.value, order.amount_fen)
        self.order = order
        self.mode = order.mode
        self.attempted = False
        self.masked_code = ""
        self.note = ""
        self.printed = None
        self.deadline = time.monotonic() + max(0.0, (order.expires_at - order.created_at).total_seconds())
        if order.status not in OPEN:
            self.goto("result")
            return
        self.goto("qr" if order.mode is PaymentMode.SHOW_QR else "scan")
        self._watch()

    # -- paying with a code ---------------------------------------------------------------
    def on_event(self, event: object) -> bool:
        if not isinstance(event, CodeScanned) or event.kind not in PAYMENT_KINDS:
            return False
        if self.state != "scan" or self.order is None or self.busy or self.attempted:
            log.info("payment code %s ignored (%s%s)", event.masked_text, self.state,
                     ", attempt already made" if self.attempted else "")
            return self.state in WATCHED
        self.attempted = True  # from here on this order never takes another code
        self.masked_code = mask_payment_code(event.text)
        order_id = self.order.order_id
        code = event.text.strip()
        client, ledger = self.rt.client, self.rt.ledger

        def work() -> Order:
            key = ledger.begin_attempt(order_id)  # on disk before the code leaves the kiosk
            log.info("order %s: paying with code %s", order_id, mask_payment_code(code))
            order = client.pay_with_code(order_id, code, idempotency_key=key)
            reconcile.record_order(ledger, order)
            return order

        self.run(work, self._answered, _("正在支付，请稍候…"), self._unanswered)
        return True

    def _answered(self, order: Order) -> None:
        if order.status in OPEN:  # the bank is still working (e.g. the citizen confirms on the phone)
            self._check(order, CHECK_GRACE_S)
        else:
            self._show(order)

    def _unanswered(self, exc: BaseException) -> None:
        order = self.order
        assert order is not None
        refused = isinstance(exc, ValidationRejected | Conflict | NotFound | IllegalTransition)
        log.warning("order %s: payment %s (%s); asking the platform, never resending", order.order_id,
                    "refused" if refused else "outcome unknown", type(exc).__name__)
        if isinstance(exc, PlatformError) and refused:
            self.note = error_text(exc)
        self._check(order, 0.0 if refused else CHECK_GRACE_S)

    # -- the receipt ----------------------------------------------------------------------
    def on_print(self) -> None:
        order = self.order
        if self.state != "result" or order is None or order.status is not OrderStatus.PAID:
            return
        printer, doc = self.rt.devices.printer, self.receipt_document(order)
        then = _("缴费已成功，不受影响，请记下屏幕上的回执码；打印机恢复后可按“再次打印”重新打印。")
        self.run(lambda: print_slip(printer, doc, then), self._printed, _("正在打印…"))

    def _printed(self, outcome: PrintOutcome) -> None:
        self.printed = outcome
        self.ctx.changed()

    def on_done(self) -> None:
        if self.order is not None and self.order.status is OrderStatus.PAID:
            self.finish(Outcome.DONE, self.order.order_id)
