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
journal entry. The form is this module; the materials step is
kiosk/journeys/apply_materials.py, review, submit and receipt kiosk/journeys/apply_submit.py.
"""

from __future__ import annotations

import datetime as dt
import uuid

from drivers.camera.results import DocumentIssue
from kiosk.i18n import _
from kiosk.journeys.apply_materials import PREVIEW, STATUS_CARD, STATUS_ELECTRONIC
from kiosk.journeys.apply_submit import SubmitStep, masked, personal
from kiosk.journeys.base import JourneyContext, Outcome, back_action, pick
from kiosk.platform.contract.catalog import FormField as ServiceField
from kiosk.platform.contract.catalog import Material, Service
from kiosk.services import forms
from kiosk.services.applications import Submitted
from kiosk.services.printing import PrintOutcome
from kiosk.views import Action, Form, FormField, Pairs, Text, View
from kiosk.visit import Identity

ELDER_FIELDS_PER_PAGE = 3

SPEC_KINDS = {"text": "text", "address": "text", "id_number": "id_number", "mobile": "mobile", "date": "date",
              "number": "number", "choice": "choice", "uscc": "credit_code"}
"""Catalogue field kinds to the kiosk's validation rules (kiosk.services.forms)."""
KEYBOARDS = {"id_number": "id", "mobile": "phone", "date": "date", "number": "digits"}

IDENTITY_DOCUMENTS = frozenset({"本人有效身份证件"})
"""Materials the ID card read at this kiosk already provides (the catalogue's ``ID_CARD``)."""


def field_spec(f: ServiceField) -> forms.FieldSpec:
    return forms.FieldSpec(f.key, f.label, kind=SPEC_KINDS.get(f.kind, "text"), required=f.required,
                           max_length=f.max_length, choices=tuple(f.choices), prefill=f.prefill or "")


def normalise(kind: str, value: str) -> str:
    """What is sent: the value as the platform checks it (no spaces in numbers, upper-case X)."""
    v = value.strip()
    if kind in ("id_number", "mobile", "uscc"):
        v = v.replace(" ", "").upper()
    return v


def provided_by_identity(material: Material, identity: Identity | None) -> bool:
    return identity is not None and identity.method == "id_card" and material.name in IDENTITY_DOCUMENTS


class ApplyJourney(SubmitStep):
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
        self.revealed = False
        """The citizen pressed "show in full" to check or change their prefilled personal data."""

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

    def _pages(self) -> list[list[int]]:
        n = len(self.fields)
        size = ELDER_FIELDS_PER_PAGE if self.ctx.elder else max(n, 1)
        return [list(range(i, min(i + size, n))) for i in range(0, n, size)] or [[]]

    def work_at_risk(self) -> str:
        if self.state in ("form", "materials", "review") and self.result is None and not self.submitting:
            return _("您填写的申请信息和拍摄的材料尚未提交，退出后将被清除。")
        return ""

    def delivered(self) -> str | None:
        if self.result is None or self.result.state == "rejected":
            return None
        return self.result.case_no or self.result.kiosk_ref

    # -- views ---------------------------------------------------------------------------
    def view(self) -> View:
        if self.state == "materials":
            return self._materials_view()
        if self.state == "review":
            return self._review_view()
        if self.state == "receipt":
            return self._receipt_view()
        return self._form_view()

    def _hidden(self, f: ServiceField) -> bool:
        """Shown masked, not as an input: personal, filled in, not revealed, nothing to correct."""
        return not self.revealed and personal(f) and bool(self.values.get(f.key)) and f.key not in self.errors

    def _form_view(self) -> View:
        pages = self._pages()
        self.page = min(self.page, len(pages) - 1)
        shown = []
        hidden = [self.fields[i] for i in pages[self.page] if self._hidden(self.fields[i])]
        for i in pages[self.page]:
            f = self.fields[i]
            if self._hidden(f):
                continue
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
        actions = [Action("next", _("下一步")), back_action()]
        if hidden:
            blocks.append(Pairs(tuple((pick(f.label, f.label_en), masked(f, self.values[f.key])) for f in hidden),
                                _("您的个人信息（已隐藏部分内容）")))
            actions.insert(1, Action("reveal", _("显示完整信息"), "secondary"))
        elif self.revealed:
            actions.insert(1, Action("conceal", _("隐藏个人信息"), "secondary"))
        if shown:
            blocks.append(Form(tuple(shown), focus))
        if not self.fields:
            blocks = [Text(_("本事项无需填写表单"), "lead")]
        return View("apply.form", pick(self.service.name, self.service.name_en), tuple(blocks),
                    tuple(actions), prompt=_("请核对并填写申请信息"), step=(1, self._steps()))

    def on_reveal(self) -> None:
        """The citizen's own check: their full data, editable, until they hide it or go on."""
        self.revealed = True
        self.ctx.changed()

    def on_conceal(self) -> None:
        self.revealed = False
        self.ctx.changed()

    # -- the form ------------------------------------------------------------------------
    def on_field(self, name: str, value: str) -> None:
        if self.state != "form":
            return
        f = next((f for f in self.fields if f.key == name), None)
        if f is None or self._hidden(f):
            return  # a masked value has no input on screen: only "show in full" makes it editable
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
        self.revealed = False
        if self.todo:
            self._enter_material(0)
            self.goto("materials")
        else:
            self.goto("review")

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
