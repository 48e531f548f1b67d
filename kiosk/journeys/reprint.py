"""Reprint by code (凭回执码补打): a certificate print that failed, or was paid and never printed.

The citizen types the code shown when the print failed, or the receipt code of a print
fee (``kiosk.services.reprints.find_reprint`` looks in the reprint table and the payment
ledger). A code from this visit prints straight away: the visit holds the masked
certificate. A code only found on disk (a crash, a new visit) needs the owner's
identity first: the platform serves the certificate again only to them.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from kiosk.i18n import _
from kiosk.journeys.base import Finished, Journey, JourneyContext, Outcome, back_action, pick
from kiosk.journeys.certificate_print import PrintingJourney
from kiosk.services.delivery import A4, THERMAL, PrintJob
from kiosk.services.reprints import REPRINT_KEEP_DAYS, ReprintEntry, find_reprint, looks_like_code, normalise_code
from kiosk.views import Action, Form, FormField, Pairs, Text, View

log = logging.getLogger(__name__)

MAX_CODE_TRIES = 5


class ReprintJourney(PrintingJourney):
    """凭回执码补打: code, then (for a code from another visit) the owner's identity, printer, result."""

    name = "reprint"
    needs_identity = False

    def __init__(self, ctx: JourneyContext, code: str = "") -> None:
        super().__init__(ctx)
        self.code = code
        self.code_error = ""
        self.tries = 0
        self.entry: ReprintEntry | None = None
        self.job: PrintJob | None = None

    def start(self) -> None:
        self.goto("code")
        if self.code:
            self.on_lookup()

    def view(self) -> View:
        if self.state == "identify":
            return View("reprint.identify", _("凭回执码补打"),
                        (Text(_("为保护您的信息，补打前需核验本人身份；核验后只为证明的持有人补打。"), "lead"),),
                        (Action("identify", _("核验身份")), back_action()), prompt=_("请核验身份"))
        if self.state == "confirm" and self.job is not None:
            c = self.job.cert
            rows = ((_("证明名称"), pick(c.name, c.name_en)), (_("持证人"), c.holder_masked_name),
                    (_("回执码"), self.job.code))
            return View("reprint.confirm", _("凭回执码补打"), (Pairs(rows), *self.printer_blocks()),
                        (*self.printer_actions(), back_action()), prompt=_("请选择打印机"))
        if self.state == "result":
            r = self.result
            actions: list[Action] = []
            if r is not None and not r.printed:
                actions += self.switch_action()
                actions.append(Action("retry", _("重新打印"), enabled=self.printer_ready(r.job.printer)[0]))
            actions.append(Action("done", _("完成")))
            title = _("补打完成") if r is not None and r.printed else _("补打结果")
            return View("reprint.result", title, tuple(self.result_blocks()), tuple(actions), prompt=title)
        field = FormField("code", _("回执码"), self.code, self.code_error, keyboard="code")
        blocks: list = [Text(_("请输入打印失败时屏幕上显示的回执码（已缴费的证明也可输入缴费回执码）"), "lead"),
                        Form((field,), "code"),
                        *self.printer_blocks()]
        locked = self.tries >= MAX_CODE_TRIES
        if locked:
            blocks.insert(0, Text(_("回执码输入错误次数过多，请联系工作人员"), "error"))
        return View("reprint", _("凭回执码补打"), tuple(blocks),
                    (Action("lookup", _("补打"), enabled=bool(self.code) and not locked), back_action()),
                    prompt=_("请输入回执码"))

    # -- actions ---------------------------------------------------------------------------
    def on_field(self, name: str, value: str) -> None:
        if name == "code":
            self.code = normalise_code(value)[:16]
            self.code_error = ""

    def on_lookup(self) -> None:
        if self.tries >= MAX_CODE_TRIES:
            return
        code = normalise_code(self.code)
        if not looks_like_code(code):
            self._wrong(_("回执码为 8 至 12 位字母和数字，请核对后重新输入"))
            return
        job = self.jobs().get(code)
        if job is not None:
            self.job = job
            self.deliver(job, reprint=True)
            return
        table, ledger = self.rt.reprints, self.rt.ledger
        self.run(lambda: find_reprint(table, ledger, code), self._found, _("正在查找…"), self._lookup_failed)

    def _wrong(self, message: str) -> None:
        self.tries += 1
        self.code_error = message
        self.goto("code")

    def _lookup_failed(self, exc: BaseException) -> None:
        log.error("reprint table unreadable: %s", exc)
        self.show_error(_("暂时无法查找回执码，请联系工作人员"))

    def _found(self, entry: ReprintEntry | None) -> None:
        if entry is None:
            self._wrong(_("未找到该回执码，或已超过 {days} 天有效期").format(days=REPRINT_KEEP_DAYS))
            return
        self.entry = entry
        if self.visit.identity is None:
            self.goto("identify")
        else:
            self._fetch()

    def on_identify(self) -> None:
        from kiosk.journeys.identify import IdentifyJourney

        self.ctx.push(IdentifyJourney(self.ctx))

    def resume(self, child: Journey, result: Finished) -> None:
        if result.outcome is Outcome.DONE and self.visit.identity is not None and self.entry is not None:
            self._fetch()
        else:
            self.goto(self.state)

    def _fetch(self) -> None:
        entry = self.entry
        assert entry is not None
        token = self.visit.identity.person_token
        self.run(lambda: self.rt.client.certificates(token), lambda lst: self._owned(entry, lst),
                 _("正在查找您的证明…"))

    def _owned(self, entry: ReprintEntry, listing) -> None:
        cert = next((c for c in listing.certificates if c.cert_id == entry.cert_id), None)
        if cert is None:
            self.entry = None
            self._wrong(_("该回执码对应的证明不属于当前核验的身份"))
            return
        # a paid print's code is its payment receipt: printing it settles what the ledger owes
        self.job = PrintJob(entry.code, cert, THERMAL, order_ref=entry.code)
        self.goto("confirm")
        self.refresh_printers()

    def on_print(self, printer: str = THERMAL, note: str = "") -> None:
        if self.job is None or self.state != "confirm" or printer not in (THERMAL, A4):
            return
        ready, why = self.printer_ready(printer)
        if not ready:
            self.show_error(why)
            return
        self.job = replace(self.job, printer=printer)
        self.deliver(self.job, reprint=True)

    def on_done(self) -> None:
        r = self.result
        if r is not None and r.ok:
            self.finish(Outcome.DONE, r.job.cert.cert_id)
        else:
            self.finish(Outcome.FAILED, r.job.code if r else "")

    def on_back(self) -> None:
        if self.state in ("identify", "confirm"):
            self.entry = None
            self.job = None
            self.goto("code")
        else:
            self.finish(Outcome.BACK)
