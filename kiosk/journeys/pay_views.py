"""What each step of the pay journey shows, and the receipt it prints.

``pay`` (items and the way to pay), ``pay.bill`` (a bill's reference and amount from the
paper notice), ``pay.qr`` (the QR code for the phone and the time left), ``pay.scan``
("show your payment code"), ``pay.checking`` (the answer is awaited) and ``pay.result``
(paid with the receipt code, or why not). The payment code is only ever shown masked.
"""

from __future__ import annotations

import datetime as dt
import time

from drivers.printer.document import Document, Kind
from kiosk.i18n import N_, _
from kiosk.journeys.base import back_action, pick
from kiosk.journeys.pay_counter import CounterSlip
from kiosk.platform.contract.catalog import Service
from kiosk.platform.contract.payments import Order, OrderItem, OrderStatus
from kiosk.services import localtime
from kiosk.services.printing import PrintOutcome
from kiosk.services.qrimage import qr_png
from kiosk.views import Action, Choices, Form, FormField, Pairs, Picture, Table, Text, View

CHANNELS = {"wechat": N_("微信支付"), "alipay": N_("支付宝"), "demo": N_("演示支付")}


def yuan(fen: int) -> str:
    return _("{yuan:.2f} 元").format(yuan=fen / 100)


def local_time(when: dt.datetime) -> str:
    return localtime.seconds(when)


class PayViews(CounterSlip):
    """The pay journey's views; ``PayJourney`` holds the state they show."""

    service: Service
    items: list[OrderItem]
    chosen: list[str]
    bill_ref: str
    bill_amount: str
    bill_errors: dict[str, str]
    order: Order | None
    deadline: float
    masked_code: str
    note: str
    printed: PrintOutcome | None
    offline: bool
    _png: tuple[str, bytes]

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
        if self.state == "counter" and self.counter_order is not None:
            return self.counter_view()
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
            self.counter_action(can_pay),
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
        return Text(_("剩余支付时间：{m} 分 {s:02d} 秒").format(m=left // 60, s=left % 60), "lead")

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
        return View("pay.qr", self.title, tuple(blocks), (Action("cancel", _("取消支付"), "secondary"),),
                    prompt=_("请用手机扫描二维码完成支付"), step=(2, 3))

    def _scan_view(self) -> View:
        blocks = (Text(_("请打开微信或支付宝的付款码，对准扫码口"), "lead"), Pairs(self._order_rows()),
                  self._countdown())
        actions: tuple[Action, ...] = (Action("cancel", _("取消支付"), "secondary"),)
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
                rows.append((_("支付时间"), local_time(o.paid_at)))
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

    def receipt_document(self, order: Order) -> Document:
        """The paid order's receipt (缴费凭证): items, total, channel, masked payer and code, receipt code."""
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
            lines.append((_("支付时间"), local_time(order.paid_at)))
        receipt = order.receipt_code or order.order_id
        lines.append((_("回执码"), receipt))
        return Document.build(Kind.RECEIPT, _("缴费凭证"), lines, qr=receipt,
                              qr_caption=_("回执码 {code}").format(code=receipt),
                              footer=[_("请妥善保管本凭证"),
                                      _("打印时间 {t}").format(t=localtime.minutes())])
