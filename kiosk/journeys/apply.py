"""Apply (在线申请): one form prefilled from the identity, material photos, review, submit, receipt.

1. ``apply.form``: the service's one form (一表申请), prefilled from what the citizen
   proved by identifying (name, ID number, phone, address, birth date) and editable.
   "Next" checks every field and shows each problem beside its field; a credit code
   failing its check is only a warning (GB 32100), accepted by pressing "next" again.
   Elder mode shows a few fields per page.
2. ``apply.materials``: a photo of each material from the camera, straightened by the
   document detector; the citizen sees it and retakes or uses it, and may skip the
   optional ones. Materials the kiosk already has (the ID card it read, electronic
   certificates the department fetches itself) are not photographed.
3. ``apply.review``: the masked summary and the number of photos; "submit".
4. Submit: the application is sealed into the journal (fsynced) in the worker pool
   under an idempotency key the journey keeps for its whole life, so a second tap or a
   retry can never make a second application; the outbox sender is kicked and the
   worker waits a few seconds for the platform's case number.
5. ``apply.receipt``: the case number, receipt code and promised date, or — platform
   unreachable — that the application is saved and will be sent automatically, with a
   kiosk reference. A thermal receipt can be printed.

Photos and form values live only in the visit (``visit.photos``, ``visit.form_values``),
so the end of the visit wipes them; nothing is written to disk except the sealed
journal entry.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from drivers.camera.document import PROMPTS, DocumentIssue, capture_document
from drivers.printer.document import Document, Kind
from kiosk.i18n import _, current_language
from kiosk.journeys.base import Journey, JourneyContext, Outcome, back_action, pick
from kiosk.platform.contract.applications import ApplicationReceipt, ApplicationRequest, MaterialAttachment
from kiosk.platform.contract.catalog import FormField as ServiceField
from kiosk.platform.contract.catalog import Material, Service
from kiosk.platform.errors import PlatformError
from kiosk.privacy import mask_id, mask_name, mask_phone
from kiosk.services import forms
from kiosk.services.journal import JournalFull
from kiosk.services.printing import PrintOutcome, print_slip
from kiosk.views import Action, Form, FormField, Pairs, Picture, Text, View
from kiosk.visit import Identity

log = logging.getLogger(__name__)

ACK_WAIT_S = 8.0
"""How long the submit step waits for the platform's case number before saying "saved"."""
ELDER_FIELDS_PER_PAGE = 3
FRAME_WAIT_S = 3.0
PHOTO_MAX_SIDE = 1600
"""Material photos sent to the platform: long side in pixels (legible A4 text, ~150-300 kB JPEG)."""
JPEG_QUALITY = 85
PREVIEW_MAX_SIDE = 480

SPEC_KINDS = {"text": "text", "address": "text", "id_number": "id_number", "mobile": "mobile", "date": "date",
              "number": "number", "choice": "choice", "uscc": "credit_code"}
"""Catalogue field kinds to the kiosk's validation rules (kiosk.services.forms)."""
KEYBOARDS = {"id_number": "id", "mobile": "phone", "date": "date", "number": "digits"}

IDENTITY_DOCUMENTS = frozenset({"本人有效身份证件"})
"""Materials the ID card read at this kiosk already provides (the catalogue's ``ID_CARD``)."""

PREVIEW, PREVIEW_PNG = "preview", "preview.png"
"""``visit.photos`` keys of the photo being looked at; accepted ones are ``material:<i>``."""

STATUS_PHOTO, STATUS_SKIPPED, STATUS_CARD, STATUS_ELECTRONIC = "photo", "skipped", "card", "electronic"


def field_spec(f: ServiceField) -> forms.FieldSpec:
    return forms.FieldSpec(f.key, f.label, kind=SPEC_KINDS.get(f.kind, "text"), required=f.required,
                           max_length=f.max_length, choices=tuple(f.choices), prefill=f.prefill or "")


def normalise(kind: str, value: str) -> str:
    """What is sent: the value as the platform checks it (no spaces in numbers, upper-case X)."""
    v = value.strip()
    if kind in ("id_number", "mobile", "uscc"):
        v = v.replace(" ", "").upper()
    return v


def masked(f: ServiceField, value: str) -> str:
    """Review screen: ID numbers, phones and names are masked (the citizen typed or proved them)."""
    if not value:
        return "—"
    if f.kind == "id_number":
        return mask_id(value)
    if f.kind == "mobile":
        return mask_phone(value)
    if f.key == "name" or f.prefill == "name":
        return mask_name(value)
    return value


def provided_by_identity(material: Material, identity: Identity | None) -> bool:
    return identity is not None and identity.method == "id_card" and material.name in IDENTITY_DOCUMENTS


# -- camera (worker pool) -----------------------------------------------------------------

class CameraUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class MaterialShot:
    jpeg: bytes = b""
    png: bytes = b""
    issue: DocumentIssue | None = None
    """Set when no page was found: the raw frame was kept and the citizen sees the prompt."""


def _fit(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def take_material_photo(camera: Any, wait_s: float = FRAME_WAIT_S) -> MaterialShot:
    """A fresh frame, the page found and straightened in it (or the frame itself), as JPEG + preview PNG."""
    latest = camera.latest()
    frame = camera.wait_next(latest.seq if latest else 0, wait_s)
    if frame is None:
        raise CameraUnavailable("no camera frame")
    found = capture_document(frame.image)
    image = found.image if found.ok else frame.image
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise CameraUnavailable("camera frame is not an 8-bit image")
    ok_j, jpeg = cv2.imencode(".jpg", _fit(image, PHOTO_MAX_SIDE), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    ok_p, png = cv2.imencode(".png", _fit(image, PREVIEW_MAX_SIDE))
    if not (ok_j and ok_p):
        raise CameraUnavailable("photo could not be encoded")
    return MaterialShot(jpeg.tobytes(), png.tobytes(), found.issue)


# -- submission (worker pool) --------------------------------------------------------------

@dataclass(frozen=True)
class Submitted:
    key: str
    case_no: str = ""
    receipt: ApplicationReceipt | None = None
    state: str = "pending"
    """The journal's state for the key when the wait ended (delivered, pending, retrying, rejected)."""

    @property
    def kiosk_ref(self) -> str:
        return self.key[:8].upper()


def submit_and_wait(rt: Any, request: ApplicationRequest, key: str, wait_s: float = ACK_WAIT_S) -> Submitted:
    """Journal (fsync) first, then give the outbox sender a few seconds to get the case number.

    Raises only if the application could not be journaled (``JournalFull`` or a disk
    error): then the citizen must not be told it was submitted.
    """
    payload = request.model_dump(mode="json")
    rt.journal.enqueue("application", payload, key)
    rt.sender.kick()
    deadline = time.monotonic() + wait_s
    state = "pending"
    case_no = None
    while True:
        case_no = rt.journal.reference(key)
        state = rt.journal.state(key) or state
        if case_no or state in ("rejected", "retrying") or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if not case_no:
        log.info("application %s journaled, not yet acknowledged (%s)", key[:8], state)
        return Submitted(key, state=state)
    # The journal keeps only the case number. The receipt code and promised date come
    # from the platform's stored first response to this idempotency key: the same
    # request again is answered with it and can never make a second case.
    receipt = None
    try:
        receipt = rt.client.submit_application(ApplicationRequest.model_validate(payload), idempotency_key=key)
    except PlatformError as exc:
        log.warning("application %s: receipt details not fetched: %s", case_no, type(exc).__name__)
    if receipt is not None and receipt.case_no != case_no:
        log.error("application %s: platform answered with case %s; ignoring it", case_no, receipt.case_no)
        receipt = None
    return Submitted(key, case_no, receipt, "delivered")


class ApplyJourney(Journey):
    name = "apply"
    needs_identity = True

    def __init__(self, ctx: JourneyContext, service: Service) -> None:
        super().__init__(ctx)
        self.service = service
        self.fields = list(service.form_fields)
        self.specs = [field_spec(f) for f in self.fields]
        self.page = 0
        self.errors: dict[str, forms.FieldError] = {}
        self.warned: dict[str, int] = {}
        """Fields whose warning the citizen has seen, by hash of the value (a second "next" accepts it)."""
        self.todo: list[int] = []
        """Indices of ``service.materials`` to photograph, in order."""
        self.status: dict[int, str] = {}
        self.pos = 0
        self.preview_issue: DocumentIssue | None = None
        self.key = str(uuid.uuid4())
        """The idempotency key of this application, for every (re)try from this journey."""
        self.submitted_at: dt.datetime | None = None
        self.submitting = False
        self.result: Submitted | None = None
        self.printed: PrintOutcome | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        visit = self.visit
        identity = visit.identity
        visit.service_code = self.service.code
        visit.form_values.clear()
        visit.form_values.update(forms.prefill(self.specs, identity.attributes if identity else {}))
        for i, m in enumerate(self.service.materials):
            if m.form == "electronic":
                self.status[i] = STATUS_ELECTRONIC
            elif provided_by_identity(m, identity):
                self.status[i] = STATUS_CARD
            else:
                self.todo.append(i)
        self.goto("form")

    @property
    def values(self) -> dict[str, str]:
        return self.visit.form_values

    def _pages(self) -> list[list[int]]:
        n = len(self.fields)
        size = ELDER_FIELDS_PER_PAGE if self.ctx.elder else max(n, 1)
        return [list(range(i, min(i + size, n))) for i in range(0, n, size)] or [[]]

    def _steps(self) -> int:
        return 4 if self.todo else 3

    # -- views ---------------------------------------------------------------------------
    def view(self) -> View:
        if self.state == "materials":
            return self._materials_view()
        if self.state == "review":
            return self._review_view()
        if self.state == "receipt":
            return self._receipt_view()
        return self._form_view()

    def _form_view(self) -> View:
        pages = self._pages()
        self.page = min(self.page, len(pages) - 1)
        shown = []
        for i in pages[self.page]:
            f = self.fields[i]
            problem = self.errors.get(f.key)
            error = ""
            if problem is not None:
                error = _(problem.message)
                if not problem.blocking:
                    error += _("（如确认无误，请再次点击“下一步”）")
            shown.append(FormField(f.key, pick(f.label, f.label_en), self.values.get(f.key, ""), error,
                                   keyboard=KEYBOARDS.get(f.kind, "text"), required=f.required,
                                   choices=tuple(f.choices)))
        focus = next((s.name for s in shown if s.error), "")
        blocks: list = [Text(_("基本信息已根据您的身份自动填入，请核对并补充"), "lead")]
        if len(pages) > 1:
            blocks.append(Text(_("第 {n}/{total} 页").format(n=self.page + 1, total=len(pages)), "note"))
        blocks.append(Form(tuple(shown), focus))
        if not self.fields:
            blocks = [Text(_("本事项无需填写表单"), "lead")]
        return View("apply.form", pick(self.service.name, self.service.name_en), tuple(blocks),
                    (Action("next", _("下一步")), back_action()), prompt=_("请核对并填写申请信息"),
                    step=(1, self._steps()))

    def _material_label(self, i: int) -> str:
        return pick(self.service.materials[i].name, self.service.materials[i].name_en)

    def _materials_view(self) -> View:
        i = self.todo[self.pos]
        m = self.service.materials[i]
        detail = [_("必需") if m.required else _("可选"), _("{n} 份").format(n=m.copies)]
        note = pick(m.note, m.note_en)
        if note:
            detail.append(note)
        blocks: list = [Text(_("材料 {n}/{total}：{name}").format(n=self.pos + 1, total=len(self.todo),
                                                              name=self._material_label(i)), "lead"),
                        Text(_("，").join(detail), "note")]
        photos = self.visit.photos
        camera = self.rt.devices.camera is not None
        if PREVIEW_PNG in photos:
            if self.preview_issue is not None:
                prompt = PROMPTS[self.preview_issue]
                blocks.append(Text(prompt.get(current_language(), prompt["zh_CN"]) + _("；也可直接使用这张照片"),
                                   "error"))
            blocks.append(Picture(photos[PREVIEW_PNG], _("请确认照片清晰完整")))
            actions = [Action("use", _("使用这张照片")), Action("retake", _("重拍"), "secondary", enabled=camera)]
        else:
            blocks.append(Text(_("请将材料平放在摄像头下方的深色台面上，四角完整入镜，然后点击“拍照”"), "body"))
            blocks.append(Text(_("照片仅用于本次申请，提交后即从本机清除"), "note"))
            if not camera:
                blocks.append(Text(_("摄像头暂不可用，请到窗口办理或按“呼叫帮办”求助"), "error"))
            actions = [Action("photo", _("拍照"), enabled=camera)]
        if not m.required:
            actions.append(Action("skip", _("跳过此项"), "secondary"))
        actions.append(back_action())
        return View("apply.materials", _("拍摄申请材料"), tuple(blocks), tuple(actions),
                    prompt=_("请将材料平放在台面上拍照"), step=(2, 4))

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
        when = self.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M") if self.submitted_at else ""
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

    # -- the form ------------------------------------------------------------------------
    def on_field(self, name: str, value: str) -> None:
        if self.state != "form":
            return
        f = next((f for f in self.fields if f.key == name), None)
        if f is None:
            return
        value = value[: f.max_length]
        if f.kind == "id_number":
            value = value.upper()
        self.values[name] = value
        self.errors.pop(name, None)

    def _check(self, indices: list[int]) -> bool:
        """Validate these fields; True when the citizen may go on (no errors, warnings seen)."""
        specs = [self.specs[i] for i in indices]
        result = forms.validate(specs, self.values)
        for spec in specs:
            self.errors.pop(spec.name, None)
        stop = False
        for problem in result.errors:
            if problem.field in self.errors:
                continue  # one message per field, the first
            if not problem.blocking:
                seen = hash(self.values.get(problem.field, ""))
                if self.warned.get(problem.field) == seen:
                    continue
                self.warned[problem.field] = seen
            self.errors[problem.field] = problem
            stop = True
        return not stop

    def on_next(self) -> None:
        if self.state != "form":
            return
        pages = self._pages()
        if not self._check(pages[self.page]):
            self.ctx.changed()
            return
        if self.page + 1 < len(pages):
            self.page += 1
            self.goto("form")
            return
        # the last page: everything once more (a value may have changed on an earlier page)
        if not self._check(list(range(len(self.fields)))):
            self.page = next(n for n, p in enumerate(pages) if any(self.fields[i].key in self.errors for i in p))
            self.ctx.changed()
            return
        for f in self.fields:
            if f.key in self.values:
                self.values[f.key] = normalise(f.kind, self.values[f.key])
        if self.todo:
            self._enter_material(0)
            self.goto("materials")
        else:
            self.goto("review")

    # -- materials -----------------------------------------------------------------------
    def _enter_material(self, pos: int) -> None:
        """Show material ``pos``; a photo already accepted for it comes back as the preview."""
        self._drop_preview()
        self.pos = pos
        i = self.todo[pos]
        photos = self.visit.photos
        if f"material:{i}" in photos:
            photos[PREVIEW] = photos.pop(f"material:{i}")
            photos[PREVIEW_PNG] = photos.pop(f"material:{i}.png")
        self.status.pop(i, None)

    def _drop_preview(self) -> None:
        photos = self.visit.photos
        for key in (PREVIEW, PREVIEW_PNG):
            buf = photos.pop(key, None)
            if isinstance(buf, bytearray):
                buf[:] = b"\0" * len(buf)
        self.preview_issue = None

    def on_photo(self) -> None:
        if self.state != "materials":
            return
        camera = self.rt.devices.camera
        if camera is None:
            self.show_error(_("摄像头暂不可用，请到窗口办理或按“呼叫帮办”求助"))
            return
        self.run(lambda: take_material_photo(camera), self._photo_taken, _("正在拍照…"), self._photo_failed)

    on_retake = on_photo

    def _photo_taken(self, shot: MaterialShot) -> None:
        if self.state != "materials":
            return
        self._drop_preview()
        self.visit.photos[PREVIEW] = bytearray(shot.jpeg)
        self.visit.photos[PREVIEW_PNG] = shot.png
        self.preview_issue = shot.issue
        self.ctx.changed()

    def _photo_failed(self, exc: BaseException) -> None:
        log.warning("material photo failed: %s: %s", type(exc).__name__, exc)
        self.show_error(_("未能拍照，请稍后重试；如仍不行请按“呼叫帮办”求助"))

    def on_use(self) -> None:
        photos = self.visit.photos
        if self.state != "materials" or PREVIEW not in photos:
            return
        i = self.todo[self.pos]
        photos[f"material:{i}"] = photos.pop(PREVIEW)
        photos[f"material:{i}.png"] = photos.pop(PREVIEW_PNG)
        self.preview_issue = None
        self.status[i] = STATUS_PHOTO
        self._next_material()

    def on_skip(self) -> None:
        if self.state != "materials":
            return
        i = self.todo[self.pos]
        if self.service.materials[i].required:
            return
        self._drop_preview()
        self.status[i] = STATUS_SKIPPED
        self._next_material()

    def _next_material(self) -> None:
        if self.pos + 1 < len(self.todo):
            self._enter_material(self.pos + 1)
            self.goto("materials")
        else:
            self.goto("review")

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
        self.run(lambda: submit_and_wait(self.rt, request, self.key), self._submitted, _("正在提交申请…"),
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
            lines.append((_("提交时间"), self.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M")))
        footer = [_("打印时间 {t}").format(t=dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
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

    # -- leaving -------------------------------------------------------------------------
    def _forget_photos(self) -> None:
        """The application is journaled (or abandoned): the visit need not hold the photos any more."""
        photos = self.visit.photos
        for key in [k for k in photos if k == PREVIEW or k == PREVIEW_PNG or k.startswith("material:")]:
            buf = photos.pop(key)
            if isinstance(buf, bytearray):
                buf[:] = b"\0" * len(buf)

    def on_back(self) -> None:
        if self.state == "form":
            if self.page > 0:
                self.page -= 1
                self.goto("form")
                return
            self._forget_photos()
            self.visit.form_values.clear()
            self.finish(Outcome.BACK)
        elif self.state == "materials":
            if PREVIEW in self.visit.photos:
                self._drop_preview()
                self.ctx.changed()
            elif self.pos > 0:
                self._enter_material(self.pos - 1)
                self.goto("materials")
            else:
                self.page = len(self._pages()) - 1
                self.goto("form")
        elif self.state == "review":
            if self.todo:
                self._enter_material(len(self.todo) - 1)
                self.goto("materials")
            else:
                self.page = len(self._pages()) - 1
                self.goto("form")
