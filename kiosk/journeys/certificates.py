"""Print proofs and electronic certificates (查询打印 / 电子证照打印).

The citizen picks one of their certificates, sees a preview, picks the receipt printer
or the A4 printer (live status on screen, a printer that cannot print is greyed out with
the reason) and prints. On the receipt printer the proof is a ``CERTIFICATE`` document:
masked holder data, issuer, dates and the verification code, with the verification URL
as a QR code anyone can scan. On the A4 printer it is the platform's PDF. An expired or
revoked certificate (the platform's public check, as anyone scanning the QR sees it) is
not printed.

Invariant 3 of the design (a paid print is printed, or stays reprintable, or is
refunded) is kept by ``kiosk.services.delivery`` and ``kiosk.services.reprints``: every
print job gets a reprint code on disk before its first byte is sent, and a paid print is
reprinted with the payment's receipt code (``ReprintJourney``, kiosk/journeys/reprint.py).
A print fee is collected by the pay journey first, with the order's purpose naming the
certificate, so the ledger knows the print is still owed until it came out.
"""

from __future__ import annotations

import logging

from kiosk.i18n import _
from kiosk.journeys.base import Finished, Journey, JourneyContext, Outcome, back_action, pick
from kiosk.journeys.certificate_print import PrintingJourney, date_text, hall_now
from kiosk.journeys.reprint import ReprintJourney
from kiosk.platform.contract.catalog import Service
from kiosk.platform.contract.certificates import Certificate, CertificateVerification
from kiosk.services.delivery import A4, THERMAL, PrintJob, PrintResult, preview_png
from kiosk.services.reprints import PRINT_PURPOSE, looks_like_code, reprint_code
from kiosk.views import Action, Choices, Pairs, Picture, Text, View

__all__ = ["CertificatesJourney", "ReprintJourney"]

log = logging.getLogger(__name__)


def expired(cert: Certificate) -> bool:
    return cert.valid_until is not None and cert.valid_until < hall_now().date()


def not_printable(cert: Certificate, verification: CertificateVerification | None) -> str:
    """Why this certificate must not be printed (revoked or expired, as the public check says), else empty."""
    v = verification
    if v is not None and v.code == cert.verification_code and not v.valid:
        return pick(v.message.zh_CN, v.message.en) + _("不能打印。")
    if expired(cert):
        return _("该证明已过有效期，不能打印，请重新申请")
    return ""


class CertificatesJourney(PrintingJourney):
    name = "certificates"
    needs_identity = True

    def __init__(self, ctx: JourneyContext, service: Service | None = None) -> None:
        super().__init__(ctx)
        self.service = service
        self.certs: list[Certificate] = []
        self.loaded = False
        self.cert: Certificate | None = None
        self.preview: bytes = b""
        self.preview_note = ""
        self.verification: CertificateVerification | None = None
        """What the platform's public check says about the chosen certificate (revoked, expired)."""
        self.paid: dict[str, tuple[str, str]] = {}
        """cert_id -> (order id, receipt code) of the print fee paid in this journey."""
        self.pay_printer = ""
        self.printed: list[str] = []

    def start(self) -> None:
        self.goto("list")
        self._load()

    def _load(self) -> None:
        token = self.visit.identity.person_token
        self.run(lambda: self.rt.client.certificates(token), self._loaded, _("正在查询您的电子证照…"))

    def _loaded(self, result) -> None:
        certs = list(result.certificates)
        if self.service is not None:
            mine = [c for c in certs if c.service_code == self.service.code]
            certs = mine or certs
        self.certs = certs
        self.loaded = True
        self.goto("list")

    def _find(self, cert_id: str) -> Certificate | None:
        return next((c for c in self.certs if c.cert_id == cert_id), None)

    # -- views -----------------------------------------------------------------------------
    def view(self) -> View:
        if self.state == "preview" and self.cert is not None:
            return self._preview_view()
        if self.state == "result":
            return self._result_view()
        return self._list_view()

    def _list_view(self) -> View:
        title = pick(self.service.name, self.service.name_en) if self.service else _("证明打印")
        blocks: list = []
        if self.loaded and not self.certs:
            blocks.append(Text(_("您名下暂无可打印的电子证照或证明"), "lead"))
        if self.certs:
            items = []
            for c in self.certs:
                label = pick(c.name, c.name_en)
                if c.print_fee_fen:
                    label += _("（打印费 {yuan:.2f} 元）").format(yuan=c.print_fee_fen / 100)
                if expired(c):
                    label += _("（已过期）")
                note = _("{issuer} · {day} 出具").format(issuer=pick(c.issuer, c.issuer_en), day=date_text(c.issued_on))
                items.append(Action("cert", label, "secondary" if expired(c) else "primary",
                                    args=(("cert_id", c.cert_id), ("note", note))))
            blocks.append(Choices(tuple(items), columns=1, title=_("请选择要打印的证明")))
        actions = [Action("reprint", _("凭回执码补打"), "secondary")]
        if self.printed:
            actions.append(Action("done", _("完成")))
        actions.append(back_action())
        return View("certificates", title, tuple(blocks), tuple(actions), prompt=_("请选择要打印的证明"),
                    step=(1, 3))

    def _preview_view(self) -> View:
        c = self.cert
        assert c is not None
        blocks: list = []
        if self.preview:
            blocks.append(Picture(self.preview, _("打印预览（个人信息已脱敏）"), height=480))
        elif self.preview_note:
            blocks.append(Text(self.preview_note, "note"))
        rows = [(_("证明名称"), pick(c.name, c.name_en)), (_("出具机构"), pick(c.issuer, c.issuer_en)),
                (_("持证人"), c.holder_masked_name), (_("证件号码"), c.holder_masked_id),
                (_("出具日期"), date_text(c.issued_on)), (_("有效期至"), date_text(c.valid_until))]
        if c.print_fee_fen:
            rows.append((_("打印费"), _("{yuan:.2f} 元").format(yuan=c.print_fee_fen / 100)))
        blocks.append(Pairs(tuple(rows)))
        actions: list[Action] = []
        why_not = not_printable(c, self.verification)
        if why_not:
            blocks.append(Text(why_not, "error"))
        else:
            blocks.extend(self.printer_blocks())
            actions.extend(self.printer_actions(pay=bool(c.print_fee_fen) and c.cert_id not in self.paid))
        actions.append(back_action())
        return View("certificates.preview", pick(c.name, c.name_en), tuple(blocks), tuple(actions),
                    prompt=_("请核对预览，然后选择打印机"), step=(2, 3))

    def _result_view(self) -> View:
        r = self.result
        blocks = self.result_blocks()
        actions: list[Action] = []
        if r is not None and not r.printed:
            ready = self.printer_ready(r.job.printer)[0]
            actions += self.switch_action()
            actions.append(Action("retry", _("重新打印"), "secondary" if self.other_printer() else "primary",
                                  enabled=ready))
            actions.append(Action("reprint", _("凭回执码补打"), "secondary"))
        actions.append(Action("more", _("打印其他证明"), "secondary"))
        actions.append(Action("done", _("完成")))
        title = _("打印完成") if r is not None and r.printed else _("打印结果")
        return View("certificates.result", title, tuple(blocks), tuple(actions),
                    prompt=title, step=(3, 3))

    # -- actions ---------------------------------------------------------------------------
    def on_cert(self, cert_id: str, note: str = "") -> None:
        cert = self._find(cert_id)
        if cert is None:
            return
        self.cert = cert
        self.preview = b""
        self.preview_note = ""
        self.verification = None
        self.goto("preview")
        self.refresh_printers()
        token = self.visit.identity.person_token
        client = self.rt.client
        self.run(lambda: preview_png(client.certificate_png(cert_id, token)), self._previewed,
                 _("正在生成预览…"), self._no_preview)
        # the public check, as anyone scanning the printed QR will see it: a revoked proof is not printed
        self.ctx.run(lambda: client.verify_certificate(cert.verification_code), self._verified,
                     lambda exc: log.info("verification check failed: %s", type(exc).__name__))

    def _previewed(self, png: bytes) -> None:
        self.preview = png
        self.ctx.changed()

    def _verified(self, verification: CertificateVerification) -> None:
        self.verification = verification

    def _no_preview(self, exc: BaseException) -> None:
        log.warning("certificate preview failed: %s", type(exc).__name__)
        self.preview_note = _("预览暂不可用，仍可打印")
        self.ctx.changed()

    def on_print(self, printer: str = THERMAL, note: str = "") -> None:
        cert = self.cert
        if cert is None or self.state != "preview":
            return
        why_not = not_printable(cert, self.verification)
        if why_not:
            self.show_error(why_not)
            return
        if printer not in (THERMAL, A4) or (printer == A4 and self.rt.devices.a4printer is None):
            return
        ready, why = self.printer_ready(printer)
        if not ready:
            self.show_error(why)
            return
        if cert.print_fee_fen and cert.cert_id not in self.paid:
            self._pay(cert, printer)
            return
        self._print(cert, printer)

    def _print(self, cert: Certificate, printer: str) -> None:
        order_id, receipt = self.paid.get(cert.cert_id, ("", ""))
        # a paid print is reprinted with the receipt code the citizen already has from the payment
        code = receipt if looks_like_code(receipt) else reprint_code()
        self.deliver(PrintJob(code, cert, printer, order_ref=order_id))

    def _delivered(self, result: PrintResult) -> None:
        if result.printed:
            self.printed.append(result.job.cert.cert_id)
        super()._delivered(result)

    # payment of a print fee: the pay journey charges the service's fees, then we print
    def _pay(self, cert: Certificate, printer: str) -> None:
        try:
            from kiosk.journeys.pay import PayJourney
        except ImportError:
            self.show_error(_("本机暂不能收取打印费，请到窗口办理"))
            return
        self.pay_printer = printer
        purpose = PRINT_PURPOSE + cert.cert_id
        if self.service is not None and self.service.code == cert.service_code:
            self.ctx.push(PayJourney(self.ctx, self.service, purpose=purpose))
            return

        def service_of() -> Service | None:
            return self.rt.client.catalog().catalog.service(cert.service_code)

        def found(service: Service | None) -> None:
            if service is None or not service.fees:
                self.show_error(_("本机暂不能收取该证明的打印费，请到窗口办理"))
                return
            self.ctx.push(PayJourney(self.ctx, service, purpose=purpose))

        self.run(service_of, found, _("正在准备缴费…"))

    def resume(self, child: Journey, result: Finished) -> None:
        if isinstance(child, ReprintJourney):
            if child.result is not None:
                self.result = child.result
                if child.result.printed:
                    self.printed.append(child.result.job.cert.cert_id)
                self.goto("result")
            else:
                self.goto(self.state)
            return
        # the pay journey
        cert = self.cert
        if result.outcome is Outcome.DONE and cert is not None:
            order = getattr(child, "order", None)
            self.paid[cert.cert_id] = (result.reference, getattr(order, "receipt_code", None) or "")
            self.goto("preview")
            self._print(cert, self.pay_printer or THERMAL)
        else:
            self.goto("preview")
            if cert is not None:
                self.show_error(_("未完成缴费，证明未打印"))

    def on_reprint(self) -> None:
        self.ctx.push(ReprintJourney(self.ctx))

    def on_more(self) -> None:
        self.cert = None
        self.result = None
        self.goto("list")

    def delivered(self) -> str | None:
        return self.printed[-1] if self.printed else super().delivered()

    def on_done(self) -> None:
        r = self.result
        if r is not None and not r.ok:
            self.finish(Outcome.FAILED, r.job.code)  # the code stays reprintable
            return
        self.finish(Outcome.DONE, r.job.cert.cert_id if r is not None else self.printed[-1] if self.printed else "")

    def on_back(self) -> None:
        if self.state == "preview":
            self.cert = None
            self.preview = b""
            self.goto("list")
        elif self.state == "result":
            self.on_more()
        else:
            self.finish(Outcome.BACK)
