"""Paying at a counter (柜台缴费) for a citizen without a smartphone: a printed slip instead.

Paying at the kiosk needs WeChat or Alipay on a phone. A citizen without one asks for a
pay-at-counter slip: the platform opens a counter order (``PaymentMode.COUNTER``, payable
for days, never charged by the kiosk, so it is not in the kiosk's ledger and nothing is
reconciled or cancelled for it), and the receipt printer prints the bill, the amount,
the order number and a QR code of it for the counter to scan. When the slip does not
print, the order number stays on screen to write down.
"""

from __future__ import annotations

import logging
from abc import abstractmethod

from drivers.printer.document import Document, Kind
from kiosk.i18n import _
from kiosk.journeys.base import Journey, pick
from kiosk.platform.contract.catalog import Service
from kiosk.platform.contract.payments import CreateOrderRequest, Order, OrderItem, PaymentMode
from kiosk.services import localtime
from kiosk.services.printing import PrintOutcome, print_slip, thermal_status
from kiosk.views import Action, Pairs, Text, View

log = logging.getLogger(__name__)


def yuan_text(fen: int) -> str:
    return _("{yuan:.2f} 元").format(yuan=fen / 100)


class CounterSlip(Journey):
    """The pay journey's pay-at-counter step; ``PayJourney`` holds the items and the identity."""

    service: Service
    case_no: str | None
    counter_order: Order | None = None
    counter_printed: PrintOutcome | None = None

    @abstractmethod
    def _chosen_items(self) -> list[OrderItem]:
        """The items the citizen chose to pay (``PayViews``)."""

    def order_request(self, mode: PaymentMode) -> CreateOrderRequest | None:
        """The order for the chosen items, paid by ``mode``; None when nothing is chosen."""
        items = self._chosen_items()
        if not items:
            return None
        ident = self.visit.identity
        return CreateOrderRequest(service_code=self.service.code, case_no=self.case_no,
                                  person_token=ident.person_token if ident else None,
                                  items=[OrderItem(ref=i.ref, amount_fen=i.amount_fen, quantity=i.quantity)
                                         for i in items], mode=mode)

    def counter_action(self, can_pay: bool) -> Action:
        ready, why = thermal_status(self.rt.devices.printer)
        return Action("counter_slip", _("没有智能手机？打印柜台缴费单"), "secondary", enabled=can_pay and ready,
                      args=(("note", "" if ready else why),))

    def on_counter_slip(self, note: str = "") -> None:
        req = self.order_request(PaymentMode.COUNTER)
        if req is None:
            return
        ident = self.visit.identity
        client, printer = self.rt.client, self.rt.devices.printer
        payer = ident.masked_name if ident else ""

        def work() -> tuple[Order, PrintOutcome]:
            order = client.create_order(req)
            return order, print_slip(printer, self.counter_document(order, payer),
                                     _("请记下屏幕上的订单号，到缴费窗口办理"))

        def done(result: tuple[Order, PrintOutcome]) -> None:
            self.counter_order, self.counter_printed = result
            log.info("counter order %s opened (%d fen)", self.counter_order.order_id, self.counter_order.amount_fen)
            self.goto("counter")

        self.run(work, done, _("正在打印柜台缴费单…"))

    def counter_document(self, order: Order, payer: str) -> Document:
        """The slip: what is owed, how much, the order number and its QR for the counter, until when."""
        lines = [(_("缴费事项"), pick(self.service.name, self.service.name_en))]
        if payer:
            lines.append((_("缴款人"), payer))
        lines += [(pick(i.description, i.description_en) or i.ref, yuan_text(i.amount_fen * i.quantity))
                  for i in order.items]
        lines += [(_("应缴金额"), yuan_text(order.amount_fen)), (_("订单号"), order.order_id),
                  (_("缴费期限"), localtime.minutes(order.expires_at))]
        return Document.build(Kind.RECEIPT, _("柜台缴费单"), lines, qr=order.order_id,
                              qr_caption=_("订单号 {id}").format(id=order.order_id),
                              footer=[_("请持本单到政务大厅缴费窗口缴费，工作人员扫描二维码收款"),
                                      _("本单不是缴费凭证"), _("打印时间 {t}").format(t=localtime.minutes())])

    def counter_view(self) -> View:
        order, printed = self.counter_order, self.counter_printed
        assert order is not None
        if printed is not None and printed.ok:
            lead = Text(_("柜台缴费单已打印。请持单到政务大厅缴费窗口缴费，无需使用手机。"), "success")
        else:
            why = printed.message if printed is not None else ""
            lead = Text(_("缴费单未能打印（{why}）。请记下订单号，到缴费窗口报订单号缴费。").format(why=why), "error")
        rows = ((_("订单号"), order.order_id), (_("应缴金额"), yuan_text(order.amount_fen)),
                (_("缴费期限"), localtime.minutes(order.expires_at)))
        return View("pay.counter", _("到柜台缴费"), (lead, Pairs(rows)), (Action("counter_done", _("完成")),),
                    prompt=_("请持柜台缴费单到缴费窗口缴费"))

    def on_counter_done(self) -> None:
        self.counter_order = None
        self.counter_printed = None
        self.goto("pay")
