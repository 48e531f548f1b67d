"""What the certificates and reprint journeys share: the printed proof, the printer choice
with live status, printing it, and the result with the reprint code when it did not print.

The durable side — the reprint row written before the first byte, the paid order marked
delivered — is ``kiosk.services.delivery``; this module decides what the citizen sees
and keeps the visit's own copy of every job that did not print (``visit.records``), so
the same citizen can reprint without identifying again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from drivers.printer.document import Document, Kind
from kiosk.i18n import _
from kiosk.journeys.base import Journey, pick
from kiosk.platform.contract.certificates import Certificate
from kiosk.services import localtime
from kiosk.services.delivery import A4, THERMAL, PrintJob, PrintResult, deliver_job
from kiosk.services.printing import a4_status, reason_text, refresh_statuses, thermal_status
from kiosk.services.reprints import REPRINT_KEEP_DAYS
from kiosk.views import Action, Pairs, Text

REPRINTS_KEY = "reprints"
"""``visit.records`` key of the visit's reprint jobs (code -> PrintJob)."""


def hall_now() -> dt.datetime:
    """Now in the kiosk's configured zone, whatever the OS clock's zone is."""
    return localtime.now()


def date_text(d: dt.date | None) -> str:
    return d.isoformat() if d else _("长期")


def certificate_document(cert: Certificate, kiosk_id: str = "", reprint: bool = False) -> Document:
    """The receipt-printer proof: masked holder, issuer, dates, code and the verification QR."""
    lines = [
        (_("持证人"), cert.holder_masked_name),
        (_("证件号码"), cert.holder_masked_id),
        (_("出具机构"), pick(cert.issuer, cert.issuer_en) or cert.issuer),
        (_("出具日期"), date_text(cert.issued_on)),
        (_("有效期至"), date_text(cert.valid_until)),
        (_("验证码"), cert.verification_code),
    ]
    footer = [_("打印时间 {t}").format(t=localtime.minutes())]
    if kiosk_id:
        footer.append(_("自助终端 {id}").format(id=kiosk_id))
    if reprint:
        footer.append(_("补打件"))
    footer.append(_("扫描二维码或凭验证码在政务服务平台核验真伪"))
    return Document.build(Kind.CERTIFICATE, pick(cert.name, cert.name_en), lines, qr=cert.verification_url,
                          qr_caption=_("扫码核验"), footer=footer)


class PrintingJourney(Journey):
    """Printer choice with live status, printing, result; subclasses add how the job is found."""

    result: PrintResult | None = None

    def delivered(self) -> str | None:
        r = self.result
        return r.job.cert.cert_id if r is not None and r.ok else None

    # -- the visit's reprint jobs -----------------------------------------------------------
    def jobs(self) -> dict[str, PrintJob]:
        return self.visit.records.setdefault(REPRINTS_KEY, {})

    # -- printers ---------------------------------------------------------------------------
    def refresh_printers(self) -> None:
        """Re-read both printers in the background; the view updates when they answered."""
        devices = self.rt.devices
        self.ctx.run(lambda: refresh_statuses(devices.printer, devices.a4printer), lambda _r: None, lambda _e: None)

    def printer_ready(self, printer: str) -> tuple[bool, str]:
        if printer == A4:
            return a4_status(self.rt.devices.a4printer)
        return thermal_status(self.rt.devices.printer)

    def printer_blocks(self) -> list:
        rows = [(_("凭条打印机"), self.printer_ready(THERMAL)[1])]
        if self.rt.devices.a4printer is not None:
            rows.append((_("A4打印机"), self.printer_ready(A4)[1]))
        return [Pairs(tuple(rows), title=_("打印机状态"))]

    def printer_actions(self, pay: bool = False) -> list[Action]:
        """One button per printer, A4 first; ``pay`` when the fee is collected first ("缴费并…", one id each).

        An official proof belongs on A4 paper with the issuer's seal: A4 is offered first and as
        the main button whenever the kiosk has an A4 printer, the receipt printer second.
        """
        thermal_ok, thermal_why = self.printer_ready(THERMAL)
        thermal_label = _("缴费并用凭条打印机打印") if pay else _("用凭条打印机打印")
        has_a4 = self.rt.devices.a4printer is not None
        actions = [Action("print", thermal_label, "secondary" if has_a4 else "primary", enabled=thermal_ok,
                          args=(("printer", THERMAL), ("note", "" if thermal_ok else thermal_why)))]
        if has_a4:
            a4_ok, a4_why = self.printer_ready(A4)
            a4_label = _("缴费并用A4纸打印（推荐，带签章）") if pay else _("用A4纸打印（推荐，带签章）")
            actions.insert(0, Action("print", a4_label, enabled=a4_ok,
                                     args=(("printer", A4), ("note", "" if a4_ok else a4_why))))
        return actions

    def other_printer(self) -> str:
        """The printer the failed job did not use, when it is ready now; else ""."""
        r = self.result
        if r is None or r.printed:
            return ""
        other = THERMAL if r.job.printer == A4 else A4
        if other == A4 and self.rt.devices.a4printer is None:
            return ""
        return other if self.printer_ready(other)[0] else ""

    def switch_action(self) -> list[Action]:
        """"Print it on the other printer" after a failure, first, when that printer is ready."""
        other = self.other_printer()
        if not other:
            return []
        label = _("改用A4打印机打印") if other == A4 else _("改用凭条打印机打印")
        return [Action("switch", label, args=(("printer", other),))]

    def on_switch(self, printer: str = "") -> None:
        """The same job (same reprint code, nothing paid twice) on the printer that is ready."""
        r = self.result
        if r is None or r.printed or printer != self.other_printer():
            return
        self.deliver(replace(self.jobs().get(r.job.code, r.job), printer=printer), reprint=True)

    # -- printing ---------------------------------------------------------------------------
    def deliver(self, job: PrintJob, reprint: bool = False) -> None:
        ident = self.visit.identity
        token = ident.person_token if ident else None
        tmp = self.visit.tmp_dir()
        rt = self.rt
        doc = certificate_document(job.cert, rt.cfg.kiosk.id, reprint)
        self.run(lambda: deliver_job(rt, job, doc, token, tmp), self._delivered,
                 _("正在打印，请稍候…"), self._deliver_failed)

    def on_retry(self) -> None:
        """Print the failed job again (the visit's copy: it may hold the fetched A4 PDF)."""
        r = self.result
        if r is not None and not r.printed:
            self.deliver(self.jobs().get(r.job.code, r.job), reprint=True)

    def _delivered(self, result: PrintResult) -> None:
        jobs = self.jobs()
        if result.printed:
            jobs.pop(result.job.code, None)
        else:
            jobs[result.job.code] = result.job
            receipt = {"kind": "reprint_code", "code": result.job.code}
            if receipt not in self.visit.receipts:
                self.visit.receipts.append(receipt)
        self.result = result
        self.goto("result")

    def _deliver_failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    def result_blocks(self) -> list:
        r = self.result
        if r is None:
            return []
        name = pick(r.job.cert.name, r.job.cert.name_en)
        if r.printed:
            where = _("请在A4出纸口取走证明") if r.job.printer == A4 else _("请在凭条出纸口取走证明")
            return [Text(_("打印完成：{name}").format(name=name), "success"), Text(where, "lead"),
                    Pairs(((_("验证码"), r.job.cert.verification_code),))]
        if r.pending:
            lead = Text(_("已提交A4打印机，正在排队打印，请稍候在A4出纸口取件。"), "lead")
        elif r.mid_job:
            lead = Text(_("打印中断：{why}。已打出的部分无效，请交给工作人员。").format(why=self.why(r)), "error")
        else:
            lead = Text(_("未能打印：{why}。").format(why=self.why(r)), "error")
        switch = []
        if self.other_printer():
            other = _("A4打印机") if self.other_printer() == A4 else _("凭条打印机")
            hint = _("{printer}可以打印，请按“改用{printer}打印”，无需再次缴费。").format(printer=other)
            switch = [Text(hint, "lead")]
        return [
            lead,
            *switch,
            Text(_("您的证明没有丢失，请记下回执码："), "lead"),
            Text(r.job.code, "big"),
            Text(_("工作人员处理好打印机后，在本机选择“凭回执码补打”并输入回执码即可重新打印，无需再次缴费。"
                   "本次办理期间无需再次核验身份；离开后补打需核验本人身份。回执码 {days} 天内有效。")
                 .format(days=REPRINT_KEEP_DAYS), "body"),
            *self.printer_blocks(),
        ]

    @staticmethod
    def why(r: PrintResult) -> str:
        if r.job.printer == A4:
            return _("A4打印机暂不可用")
        return reason_text(r.reason)
