"""Review, submit and receipt of the apply journey (``apply.review``, ``apply.receipt``).

Submitting seals the application into the journal under the journey's idempotency key
(``kiosk.services.applications``), so a second tap or a retry can never make a second
application, and waits a few seconds for the platform's case number. The receipt shows
the case number, receipt code and promised date, or — platform unreachable — that the
application is saved and will be sent automatically, with a kiosk reference; a thermal
receipt can be printed.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging

from drivers.printer.document import Document, Kind
from kiosk.i18n import _
from kiosk.journeys.apply_materials import (
    STATUS_CARD,
    STATUS_ELECTRONIC,
    STATUS_PHOTO,
    STATUS_SKIPPED,
    MaterialsStep,
)
from kiosk.journeys.base import Outcome, back_action, pick
from kiosk.platform.contract.applications import ApplicationRequest, MaterialAttachment
from kiosk.platform.contract.catalog import FormField as ServiceField
from kiosk.privacy import mask_address, mask_id, mask_name, mask_phone
from kiosk.services import applications, localtime
from kiosk.services.applications import Submitted
from kiosk.services.journal import JournalFull
from kiosk.services.printing import PrintOutcome, print_slip
from kiosk.views import Action, Pairs, Text, View

log = logging.getLogger(__name__)


def masked(f: ServiceField, value: str) -> str:
    """ID numbers, phones, names and addresses masked (the citizen typed or proved them): review and form."""
    if not value:
        return "—"
    if f.kind == "id_number":
        return mask_id(value)
    if f.kind == "mobile":
        return mask_phone(value)
    if f.kind == "address":
        return mask_address(value)
    if f.key == "name" or f.prefill == "name":
        return mask_name(value)
    return value


def personal(f: ServiceField) -> bool:
    """A field whose value ``masked`` hides."""
    return f.kind in ("id_number", "mobile", "address") or f.key == "name" or f.prefill == "name"


class SubmitStep(MaterialsStep):
    """Review, submit, receipt; ``ApplyJourney`` holds the state."""

    fields: list[ServiceField]
    page: int
    key: str
    submitted_at: dt.datetime | None
    submitting: bool
    result: Submitted | None
    printed: PrintOutcome | None

    @property
    def values(self) -> dict[str, str]:
        return self.visit.form_values

    def _material_rows(self) -> tuple[tuple[str, str], ...]:
        texts = {STATUS_PHOTO: _("已拍照"), STATUS_SKIPPED: _("未提供（可选）"),
                 STATUS_CARD: _("已通过读取身份证提供"), STATUS_ELECTRONIC: _("由部门调取电子证照")}
        return tuple((self._material_label(i), texts.get(self.status.get(i, ""), _("未提供")))
                     for i in range(len(self.service.materials)))

    def _review_view(self) -> View:
        rows = tuple((pick(f.label, f.label_en), masked(f, self.values.get(f.key, ""))) for f in self.fields)
        photos = sum(1 for s in self.status.values() if s == STATUS_PHOTO)
        blocks: list = [Text(_("请核对申请信息，确认无误后提交"), "lead"),
                        Pairs(((_("申请事项"), pick(self.service.name, self.service.name_en)), *rows),
                              _("申请信息"))]
        if self.service.materials:
            blocks.append(Pairs(self._material_rows(), _("申请材料（已拍照 {n} 份）").format(n=photos)))
        blocks.append(Text(_("提交后申请将发送至{dept}审核；表单和照片仅用于本次申请。").format(
            dept=pick(self.service.department, self.service.department_en)), "note"))
        return View("apply.review", _("核对并提交"), tuple(blocks),
                    (Action("submit", _("提交申请")), Action("edit", _("修改信息"), "secondary"), back_action()),
                    prompt=_("请核对申请信息，确认无误后提交"), step=(self._steps() - 1, self._steps()))

    def _receipt_view(self) -> View:
        res = self.result
        assert res is not None
        s = self.service
        when = localtime.minutes(self.submitted_at) if self.submitted_at else ""
        blocks: list = []
        actions: list[Action] = []
        if res.state == "rejected":
            lead = _("平台未受理本次申请，请到窗口办理或按“呼叫帮办”求助")
            blocks += [Text(lead, "error"),
                       Pairs(((_("申请事项"), pick(s.name, s.name_en)), (_("本机受理号"), res.kiosk_ref)))]
            actions.append(Action("done", _("完成")))
            return View("apply.rejected", _("申请未被受理"), tuple(blocks), tuple(actions), prompt=lead)
        if res.case_no:
            lead = _("申请已提交，平台已受理")
            rows = [(_("申请事项"), pick(s.name, s.name_en)), (_("办件编号"), res.case_no)]
            if res.receipt is not None:
                rows.append((_("回执码"), res.receipt.receipt_code))
                if res.receipt.promised_by:
                    rows.append((_("承诺办结日期"), res.receipt.promised_by.isoformat()))
            rows.append((_("提交时间"), when))
            blocks += [Text(lead, "success"), Pairs(tuple(rows)),
                       Text(_("可凭办件编号或回执码在“我的办件”中查询办理进度"), "note")]
        else:
            lead = _("申请已安全保存在本机，将在网络恢复后自动发送，无需重新提交")
            rows = [(_("申请事项"), pick(s.name, s.name_en)), (_("本机受理号"), res.kiosk_ref), (_("提交时间"), when)]
            blocks += [Text(lead, "success"), Pairs(tuple(rows)),
                       Text(_("发送成功后，可在“我的办件”中查询办件编号和办理进度"), "note")]
        if self.printed is not None:
            blocks.append(Text(self.printed.message, "success" if self.printed.ok else "error"))
        if self.rt.devices.printer is not None:
            actions.append(Action("print", _("打印回执"), "secondary" if self.printed and self.printed.ok
                                  else "primary"))
        actions.append(Action("done", _("完成")))
        return View("apply.receipt", _("申请回执"), tuple(blocks), tuple(actions), prompt=lead,
                    step=(self._steps(), self._steps()))

    # -- review and submit ---------------------------------------------------------------
    def on_edit(self) -> None:
        if self.state == "review":
            self.page = 0
            self.goto("form")

    def _request(self) -> ApplicationRequest:
        """The application from what the visit holds (UI thread; the photos are copied)."""
        identity = self.visit.identity
        assert identity is not None
        form = {f.key: self.values[f.key] for f in self.fields if self.values.get(f.key)}
        materials = [MaterialAttachment(name=self.service.materials[i].name, content_type="image/jpeg",
                                        data_base64=base64.b64encode(self.visit.photos[f"material:{i}"]).decode())
                     for i in sorted(self.status) if self.status[i] == STATUS_PHOTO]
        assert self.submitted_at is not None
        return ApplicationRequest(service_code=self.service.code, person_token=identity.person_token, form=form,
                                  materials=materials, submitted_at=self.submitted_at)

    def on_submit(self) -> None:
        if self.state != "review" or self.submitting:
            return
        self._send()

    def _send(self) -> None:
        """Journal and send under ``self.key``; the same key on every call, whatever happens."""
        if self.result is not None:
            return
        if self.rt.journal is None:
            self.show_error(_("本机暂时无法保存申请，请到窗口办理或按“呼叫帮办”求助"))
            return
        if self.submitted_at is None:
            self.submitted_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        request = self._request()
        self.submitting = True
        self.run(lambda: applications.submit_and_wait(self.rt, request, self.key), self._submitted, _("正在提交申请…"),
                 self._not_submitted)

    def _submitted(self, res: Submitted) -> None:
        self.submitting = False
        self.result = res
        if res.state != "rejected":
            entry = {"kind": "application", "service_code": self.service.code, "case_no": res.case_no,
                     "kiosk_ref": res.kiosk_ref}
            if res.receipt is not None:
                entry["receipt_code"] = res.receipt.receipt_code
            self.visit.receipts.append(entry)
        self._forget_photos()  # sealed in the journal now (or delivered): the visit lets them go
        self.goto("receipt")

    def _not_submitted(self, exc: BaseException) -> None:
        self.submitting = False
        if isinstance(exc, JournalFull):
            log.error("application not journaled: %s", exc)
            self.show_error(_("本机暂存空间已满，暂时无法提交申请。请到窗口办理或按“呼叫帮办”求助"))
            return
        self.show_error(exc)

    # -- receipt -------------------------------------------------------------------------
    def receipt_document(self) -> Document:
        res = self.result
        assert res is not None
        identity = self.visit.identity
        s = self.service
        lines = [(_("申请事项"), pick(s.name, s.name_en))]
        if identity is not None:
            lines += [(_("申请人"), identity.masked_name), (_("证件号码"), identity.masked_id)]
        qr = ""
        if res.case_no:
            lines.append((_("办件编号"), res.case_no))
            if res.receipt is not None:
                qr = res.receipt.receipt_code
                lines.append((_("回执码"), qr))
                if res.receipt.promised_by:
                    lines.append((_("承诺办结日期"), res.receipt.promised_by.isoformat()))
        else:
            lines += [(_("本机受理号"), res.kiosk_ref), ("", _("申请已保存，将自动发送至平台"))]
        if self.submitted_at is not None:
            lines.append((_("提交时间"), localtime.minutes(self.submitted_at)))
        footer = [_("打印时间 {t}").format(t=localtime.minutes()),
                  _("可凭办件编号或回执码查询办理进度")]
        return Document.build(Kind.RECEIPT, _("申请回执"), lines, qr=qr,
                              qr_caption=_("回执码 {code}").format(code=qr) if qr else "", footer=footer)

    def on_print(self) -> None:
        if self.state != "receipt" or self.result is None:
            return
        doc = self.receipt_document()
        printer = self.rt.devices.printer
        then = _("您的申请不受影响，请记下屏幕上的编号；打印机恢复后可按“打印回执”重新打印。")
        self.run(lambda: print_slip(printer, doc, then), self._printed, _("正在打印回执…"))

    def _printed(self, outcome: PrintOutcome) -> None:
        self.printed = outcome
        self.ctx.changed()

    def on_done(self) -> None:
        if self.state != "receipt" or self.result is None:
            return
        res = self.result
        self._forget_photos()
        if res.state == "rejected":
            self.finish(Outcome.FAILED)
        else:
            self.finish(Outcome.DONE, res.case_no)
