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
the platform says so, so the ledger holds the truth even when the visit ends before the
answer is shown. A journey left with an open order (home, timeout, the citizen walked
away) cancels it from its watcher; ``settle_left_orders`` does the same for orders a
crash left behind and is meant to run before the kiosk takes the next citizen.

Demo settlement on the reference platform (reference_platform/routes/payments.py, demo.py):

* scan mode: any well-formed payment code pays (WeChat Pay: 18 digits starting 10-15,
  e.g. ``134567890123456789``; Alipay: 16-24 digits starting 25-30); a code ending in
  ``4444`` is declined by the demo bank. Each code is single use. With the scanner
  emulator: ``runtime.devices.emulators.scanner.scan("134567890123456789")``.
* show-QR mode: the QR code encodes ``http://HOST/demo/pay/{order_id}``. Opening it in a
  browser shows a pay button; ``POST`` to it (``curl -X POST URL``, unsigned, demo only)
  settles the order, and the kiosk sees it paid at its next poll. A real platform
  settles through its acquirer instead and the QR holds the acquirer's URL.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from drivers.printer.document import Document, Kind
from drivers.scanner.events import CodeScanned
from kiosk.i18n import N_, _
from kiosk.journeys.base import Journey, JourneyContext, Outcome, back_action, error_text, pick
from kiosk.platform.contract.catalog import Service
from kiosk.platform.contract.payments import CreateOrderRequest, Order, OrderItem, OrderStatus, PaymentMode
from kiosk.platform.contract.queries import QueryKind
from kiosk.platform.errors import Conflict, NotFound, PlatformError, ValidationRejected
from kiosk.platform.transport import new_idempotency_key
from kiosk.privacy import mask_payment_code
from kiosk.services.codes import PAYMENT_KINDS
from kiosk.services.payments import IllegalTransition, OrderState, PaymentLedger
from kiosk.services.printing import PrintOutcome, print_slip
from kiosk.services.qrimage import qr_png
from kiosk.views import Action, Choices, Form, FormField, Pairs, Picture, Table, Text, View

log = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the order watcher wakes (the countdown on screen moves with it)."""
POLL_S = 2.0
"""How often an open show-QR order, or an attempt whose answer was lost, is asked about."""
CHECK_GRACE_S = 20.0
"""How long a payment whose outcome is unknown may stay open on the platform before it is cancelled."""

OPEN = frozenset({OrderStatus.CREATED, OrderStatus.PENDING})
WATCHED = frozenset({"qr", "scan", "checking"})
"""States in which the order is open and the watcher runs."""

BILL_QUERIES: dict[str, tuple[QueryKind, str, str, str, str]] = {
    "traffic": (QueryKind.TRAFFIC_VIOLATIONS, "violation_id", "fine_fen", "behaviour", "behaviour_en"),
}
"""Services without catalogue fees whose bills are in the citizen's records, by category:
query kind, and the row keys of the bill reference, amount and description (zh, en)."""

CHANNELS = {"wechat": N_("微信支付"), "alipay": N_("支付宝"), "demo": N_("演示支付")}


def yuan(fen: int) -> str:
    return _("{yuan:.2f} 元").format(yuan=fen / 100)


def parse_yuan(text: str) -> int | None:
    """``"86.5"`` -> 8650 fen; None for anything that is not a positive amount with at most 2 decimals."""
    t = text.strip().replace("¥", "").replace("元", "").replace(",", "")
    whole, _dot, frac = t.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 2 or len(whole) > 7:
        return None
    fen = int(whole) * 100 + int((frac + "00")[:2])
    return fen if fen > 0 else None


# -- the ledger side, shared by the journey and the leftover check ------------------------------

def record_order(ledger: PaymentLedger, order: Order, purpose: str = "") -> None:
    """Write what the platform says about ``order`` into the ledger (worker thread).

    Created and pending are both "open": a ledger that already holds ``pending`` (an
    attempt was reserved) is not moved back to ``created`` when the platform has not
    seen the attempt yet. ``purpose`` is recorded with a new order: what the payment
    buys that the kiosk still has to deliver (``print:<cert_id>``). Such an order is
    not delivered when paid; its receipt code is written with ``paid`` (one
    transaction), so whatever happens next the print stays completable by that code.
    """
    truth = OrderState(order.status.value)
    kept = ledger.get(order.order_id)
    if kept is None:
        kept = ledger.record(order.order_id, order.service_code, order.amount_fen,
                             order.receipt_code or order.order_id, truth, purpose)
    open_states = (OrderState.CREATED, OrderState.PENDING)
    receipt = order.receipt_code if truth is OrderState.PAID and order.receipt_code != kept.receipt_code else None
    if (truth != kept.state and not (truth in open_states and kept.state is OrderState.PENDING)) or receipt:
        try:
            kept = ledger.move(order.order_id, truth, receipt)
        except IllegalTransition:
            log.error("order %s: platform says %s, the ledger has %s", order.order_id, truth.value,
                      kept.state.value)
    if truth is OrderState.PAID and not kept.delivered and not kept.purpose:
        ledger.mark_delivered(order.order_id)  # paying is the service here


def cancel_order(client, ledger: PaymentLedger, order_id: str, reason: str) -> Order:
    """Cancel an open order and return what it really is now (paid if a charge got there first)."""
    try:
        order = client.cancel_order(order_id, reason)
    except Conflict:
        order = client.order(order_id)  # paid, failed or expired: the platform says which
    record_order(ledger, order)
    log.info("order %s cancelled (%s): now %s", order_id, reason, order.status.value)
    return order


def settle_left_orders(client, ledger: PaymentLedger) -> dict[str, int]:
    """Bring every unsettled ledger order in line with the platform; cancel those still open.

    Meant to run before the kiosk takes a new citizen (after a crash, or after a visit
    that ended with an order open): the citizen who owned an open order is gone, so it
    is cancelled, which also fences off a charge still in flight. Returns counts; the
    kiosk should not take a new citizen while ``unreachable`` is not 0.
    """
    counts = {"checked": 0, "cancelled": 0, "unreachable": 0}
    for kept in ledger.unsettled():
        counts["checked"] += 1
        try:
            order = client.order(kept.order_id)
            record_order(ledger, order)
            if order.status in OPEN:
                cancel_order(client, ledger, kept.order_id, "kiosk_left")
                counts["cancelled"] += 1
        except NotFound:
            log.error("order %s is unknown to the platform; left for the technician", kept.order_id)
            counts["unreachable"] += 1
        except PlatformError as exc:
            log.warning("order %s: platform not reachable (%s)", kept.order_id, exc.code)
            counts["unreachable"] += 1
    return counts


# -- the journey ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Step:
    """What one watcher step does after its sleep (decided on the UI thread)."""

    token: int
    delay: float
    fetch: bool
    cancel_if_open: bool


DEMO_PAYMENT_CODE = "134567890123456789"
"""A well-formed WeChat code (18 digits, prefix 13); the reference platform settles it."""


class PayJourney(Journey):
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

    def goto(self, state: str) -> None:
        if state not in WATCHED or state != self.state:
            self._watch_token += 1  # stops the watcher of the state being left
        super().goto(state)

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

    # -- views ----------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return pick(self.service.name, self.service.name_en)

    def view(self) -> View:
        if self.state == "bill":
            return self._bill_view()
        if self.state == "qr":
            return self._qr_view()
        if self.state == "scan":
            return self._scan_view()
        if self.state == "checking":
            return self._checking_view()
        if self.state == "result":
            return self._result_view()
        return self._summary_view()

    def _chosen_items(self) -> list[OrderItem]:
        return [i for i in self.items if i.ref in self.chosen]

    def _summary_view(self) -> View:
        blocks: list = []
        if self.note:
            blocks.append(Text(self.note, "note"))
        if not self.items:
            blocks.append(Text(_("没有待缴费用"), "lead"))
            return View("pay", self.title, tuple(blocks), (back_action(),), prompt=_("没有待缴费用"))
        if len(self.items) > 1:
            blocks.append(Choices(tuple(
                Action("item", ("✓ " if i.ref in self.chosen else "") + f"{pick(i.description, i.description_en)}"
                       f"  {yuan(i.amount_fen * i.quantity)}",
                       "primary" if i.ref in self.chosen else "secondary", args=(("ref", i.ref),))
                for i in self.items), columns=1, title=_("请选择缴费项目")))
        else:
            blocks.append(Table((_("缴费项目"), _("金额")),
                                tuple((pick(i.description, i.description_en), yuan(i.amount_fen * i.quantity))
                                      for i in self.items)))
        total = sum(i.amount_fen * i.quantity for i in self._chosen_items())
        blocks.append(Text(_("合计：{amount}").format(amount=yuan(total)), "big"))
        blocks.append(Text(_("请选择支付方式"), "lead"))
        can_pay = total > 0
        actions = (
            Action("show_qr", _("手机扫码支付"), enabled=can_pay),
            Action("scan_code", _("出示付款码支付"), enabled=can_pay and self.rt.devices.scanner is not None),
            back_action(),
        )
        return View("pay", self.title, tuple(blocks), actions, prompt=_("请确认缴费项目并选择支付方式"), step=(1, 3))

    def _bill_view(self) -> View:
        fields = (
            FormField("ref", _("缴费编号（见账单或缴款通知书）"), self.bill_ref, self.bill_errors.get("ref", "")),
            FormField("amount", _("应缴金额（元）"), self.bill_amount, self.bill_errors.get("amount", "")),
        )
        return View("pay.bill", self.title, (Text(_("请输入账单或缴款通知书上的缴费编号和金额"), "lead"),
                                            Form(fields, "ref")),
                    (Action("bill_ok", _("下一步")), back_action()), prompt=_("请输入缴费编号"), step=(1, 3))

    def _order_rows(self) -> tuple[tuple[str, str], ...]:
        o = self.order
        assert o is not None
        return ((_("缴费事项"), self.title), (_("订单号"), o.order_id), (_("金额"), yuan(o.amount_fen)))

    def seconds_left(self) -> int:
        return max(0, int(self.deadline - time.monotonic() + 0.999))

    def _countdown(self) -> Text:
        left = self.seconds_left()
        return Text(_("请在 {m}:{s:02d} 内完成支付").format(m=left // 60, s=left % 60), "note")

    def _qr(self, text: str) -> bytes:
        if self._png[0] != text:
            self._png = (text, qr_png(text))
        return self._png[1]

    def _qr_view(self) -> View:
        o = self.order
        assert o is not None
        blocks: list = [Text(_("请用手机微信或支付宝扫描二维码完成支付"), "lead")]
        if o.qr_text or o.pay_url:
            blocks.append(Picture(self._qr(o.qr_text or o.pay_url or ""), _("扫码支付")))
        blocks += [Pairs(self._order_rows()), self._countdown()]
        return View("pay.qr", self.title, tuple(blocks), (Action("cancel", _("取消支付"), "danger"),),
                    prompt=_("请用手机扫描二维码完成支付"), step=(2, 3))

    def on_demo_code(self) -> None:
        """Demo kiosks only: the emulated scanner reads a demo WeChat code, through the real driver."""
        emulator = self.rt.devices.emulators.scanner
        if emulator is not None:
            emulator.scan(DEMO_PAYMENT_CODE)

    def _scan_view(self) -> View:
        blocks = (Text(_("请打开微信或支付宝的付款码，对准扫码口"), "lead"), Pairs(self._order_rows()),
                  self._countdown())
        actions: tuple[Action, ...] = (Action("cancel", _("取消支付"), "danger"),)
        if self.rt.devices.emulators.scanner is not None:
            actions = (Action("demo_code", _("演示：出示示范付款码"), "secondary"), *actions)
        return View("pay.scan", self.title, blocks, actions,
                    prompt=_("请出示付款码"), step=(2, 3))

    def _checking_view(self) -> View:
        blocks: list = [Text(_("正在确认支付结果，请勿离开…"), "lead"), Pairs(self._order_rows())]
        if self.offline:
            blocks.append(Text(_("暂时无法连接平台，正在重试，请稍候"), "note"))
        return View("pay.checking", self.title, tuple(blocks), (), prompt=_("正在确认支付结果，请勿离开"),
                    step=(2, 3))

    def _result_view(self) -> View:
        o = self.order
        assert o is not None
        if o.status is OrderStatus.PAID:
            rows = list(self._order_rows())
            rows.append((_("支付方式"), _(CHANNELS.get(o.channel or "", o.channel or ""))))
            if self.masked_code:
                rows.append((_("付款码"), self.masked_code))
            if o.paid_at is not None:
                rows.append((_("支付时间"), _local(o.paid_at)))
            rows.append((_("回执码"), o.receipt_code or ""))
            blocks: list = [Text(_("支付成功"), "success"), Pairs(tuple(rows))]
            if o.receipt_code:
                blocks.append(Picture(self._qr(o.receipt_code), _("回执码 {code}").format(code=o.receipt_code),
                                      height=240))
            if self.printed is not None:
                blocks.append(Text(self.printed.message, "success" if self.printed.ok else "error"))
            actions: list[Action] = []
            if self.rt.devices.printer is not None:
                actions.append(Action("print", _("打印缴费凭证") if self.printed is None else _("再次打印"),
                                      "secondary" if self.printed and self.printed.ok else "primary"))
            actions.append(Action("done", _("完成")))
            return View("pay.result", _("支付成功"), tuple(blocks), tuple(actions), prompt=_("支付成功"),
                        step=(3, 3))
        why = {
            OrderStatus.FAILED: _("支付未成功，未扣款。请重新支付或更换付款方式。"),
            OrderStatus.EXPIRED: _("订单已超时，未扣款。"),
            OrderStatus.CANCELLED: _("支付未完成，订单已取消，未扣款。"),
        }.get(o.status, _("支付未完成。"))
        blocks = [Text(why, "error")]
        if self.note:
            blocks.append(Text(self.note, "note"))
        blocks.append(Pairs(self._order_rows()))
        return View("pay.result", _("支付未完成"), tuple(blocks),
                    (Action("retry", _("重新支付")), back_action()), prompt=why, step=(3, 3))

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
        items = self._chosen_items()
        if not items:
            return
        ident = self.visit.identity
        req = CreateOrderRequest(service_code=self.service.code, case_no=self.case_no,
                                 person_token=ident.person_token if ident else None,
                                 items=[OrderItem(ref=i.ref, amount_fen=i.amount_fen, quantity=i.quantity)
                                        for i in items], mode=mode)
        body = req.model_dump_json()
        if self._create is None or self._create[0] != body:
            self._create = (body, new_idempotency_key())
        key = self._create[1]
        client, ledger, purpose = self.rt.client, self.rt.ledger, self.purpose

        def work() -> Order:
            order = client.create_order(req, idempotency_key=key)
            record_order(ledger, order, purpose)
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
            record_order(ledger, order)
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

    def _check(self, order: Order, grace: float) -> None:
        self.order = order
        self.check_deadline = time.monotonic() + grace
        self.offline = False
        self.goto("checking")
        self._watch(first_delay=0.0)

    def _show(self, order: Order) -> None:
        """The platform's latest word on the open order (the ledger already has it)."""
        self.order = order
        if order.status in OPEN:
            return
        log.info("order %s is %s", order.order_id, order.status.value)
        self.goto("result")

    # -- cancelling -----------------------------------------------------------------------
    def on_cancel(self) -> None:
        if self.state not in ("qr", "scan") or self.order is None:
            return
        order_id = self.order.order_id
        client, ledger = self.rt.client, self.rt.ledger
        self.run(lambda: cancel_order(client, ledger, order_id, "citizen_cancelled"), self._cancelled,
                 _("正在取消订单…"))

    def _cancelled(self, order: Order) -> None:
        self.order = order
        if order.status is OrderStatus.CANCELLED:
            self.note = _("订单已取消，未扣款")
            self.goto("pay")
        else:
            self._show(order)  # paid (or expired) before the cancel got there

    # -- the watcher: countdown, polling, lost answers, abandonment ---------------------------
    def _watch(self, first_delay: float | None = None) -> None:
        self._watch_token += 1
        self._last_poll = time.monotonic()
        self._schedule(TICK_S if first_delay is None else first_delay)

    def _schedule(self, delay: float) -> None:
        order = self.order
        if order is None or self.state not in WATCHED:
            return
        token = self._watch_token
        wake = time.monotonic() + delay
        if self.state == "checking":
            step = _Step(token, delay, True, wake >= self.check_deadline)
        else:  # qr: poll; scan: the platform is only asked once the order should have expired
            due = wake - self._last_poll >= POLL_S
            expired = wake >= self.deadline
            fetch = due and (self.state == "qr" or (expired and not self.attempted))
            step = _Step(token, delay, fetch, False)
        gen = self.ctx.generation
        order_id = order.order_id
        client, ledger = self.rt.client, self.rt.ledger

        def work() -> Order | None:
            if step.delay > 0:
                time.sleep(step.delay)
            if step.token != self._watch_token:
                return None  # stopped on purpose
            if gen != self.ctx.generation or self not in self.ctx.stack:
                # The citizen left with the order open: cancel it, which also fences off a late charge.
                cancel_order(client, ledger, order_id, "citizen_left")
                return None
            if not step.fetch:
                return None
            fresh = client.order(order_id)
            record_order(ledger, fresh)
            if step.cancel_if_open and fresh.status in OPEN:
                fresh = cancel_order(client, ledger, order_id, "payment_outcome_unknown")
            return fresh

        def stepped(fresh: Order | None) -> None:
            if step.token != self._watch_token or self not in self.ctx.stack:
                return  # stopped, or the citizen left (the step cancelled the order)
            if step.fetch:
                self._last_poll = time.monotonic()
                self.offline = False
            if fresh is not None:
                self._show(fresh)
            if step.token == self._watch_token:
                self._schedule(POLL_S if self.state == "checking" else TICK_S)

        def failed(exc: BaseException) -> None:
            if step.token != self._watch_token or self not in self.ctx.stack:
                return
            log.warning("order %s: watcher step failed (%s)", order_id, type(exc).__name__)
            self._last_poll = time.monotonic()
            self.offline = True
            self._schedule(POLL_S)

        self.ctx.run(work, stepped, failed)

    # -- the receipt ----------------------------------------------------------------------
    def on_print(self) -> None:
        order = self.order
        if self.state != "result" or order is None or order.status is not OrderStatus.PAID:
            return
        printer = self.rt.devices.printer
        ident = self.visit.identity
        lines = [(_("缴费事项"), self.title)]
        lines += [(pick(i.description, i.description_en) or i.ref, yuan(i.amount_fen * i.quantity))
                  for i in order.items]
        lines += [(_("合计"), yuan(order.amount_fen)), (_("订单号"), order.order_id),
                  (_("支付方式"), _(CHANNELS.get(order.channel or "", order.channel or "")))]
        if ident is not None:
            lines.insert(1, (_("缴款人"), ident.masked_name))
        if self.masked_code:
            lines.append((_("付款码"), self.masked_code))
        if order.paid_at is not None:
            lines.append((_("支付时间"), _local(order.paid_at)))
        receipt = order.receipt_code or order.order_id
        lines.append((_("回执码"), receipt))
        doc = Document.build(Kind.RECEIPT, _("缴费凭证"), lines, qr=receipt,
                             qr_caption=_("回执码 {code}").format(code=receipt),
                             footer=[_("请妥善保管本凭证"),
                                     _("打印时间 {t}").format(t=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))])
        then = _("缴费已成功，不受影响，请记下屏幕上的回执码；打印机恢复后可按“再次打印”重新打印。")
        self.run(lambda: print_slip(printer, doc, then), self._printed, _("正在打印…"))

    def _printed(self, outcome: PrintOutcome) -> None:
        self.printed = outcome
        self.ctx.changed()

    def on_done(self) -> None:
        if self.order is not None and self.order.status is OrderStatus.PAID:
            self.finish(Outcome.DONE, self.order.order_id)


def _local(when: dt.datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
