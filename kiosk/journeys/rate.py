"""好差评: five levels at the end of every visit; a bad rating asks why and for a contact.

The rating goes through the journal like an application, so a rating given while the
platform is down is delivered later, exactly once. A real-name rating carries the
person token; the contact for a bad rating is prefilled from the identity when known.
"""

from __future__ import annotations

import datetime as dt

from kiosk.i18n import _, pair
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.platform.contract.feedback import BAD_LEVELS, RATING_LEVEL_LABELS, RATING_REASONS, RatingLevel, RatingRequest
from kiosk.privacy import mask_phone
from kiosk.services.forms import check_mobile
from kiosk.services.journal import JournalFull
from kiosk.views import Action, Choices, Form, FormField, Rating, Text, View

LEVELS = tuple(RatingLevel)


class RateJourney(Journey):
    name = "rate"

    def __init__(self, ctx: JourneyContext, service_code: str = "", reference: str = "") -> None:
        super().__init__(ctx)
        self.service_code = service_code
        self.reference = reference
        self.level: RatingLevel | None = None
        self.reasons: list[str] = []
        self.contact = ""
        self.contact_error = ""
        self.contact_from_identity = False
        """The contact is the phone the citizen proved: shown masked, never as an editable full number."""

    def start(self) -> None:
        ident = self.ctx.sessions.visit.identity if self.ctx.sessions.visit else None
        self.contact = ident.attributes.get("phone", "") if ident else ""
        self.contact_from_identity = bool(self.contact)
        self.goto("level")

    def view(self) -> View:
        if self.state == "reasons":
            items = tuple(Action("reason", ("✓ " if code in self.reasons else "") + pair(text),
                                 "primary" if code in self.reasons else "secondary", args=(("code", code),))
                          for code, text in RATING_REASONS.items())
            actions = [Action("submit", _("提交评价"), enabled=bool(self.reasons)),
                       Action("back", _("返回"), "secondary")]
            if self.contact_from_identity:
                registered = _("回访电话：{phone}（您登记的手机号）").format(phone=mask_phone(self.contact))
                contact: Text | Form = Text(registered)
                actions.insert(1, Action("other_contact", _("使用其他电话"), "secondary"))
            else:
                contact = Form((FormField("contact", _("联系电话（用于回访）"), self.contact, self.contact_error,
                                          keyboard="phone"),))
            return View("rate.reasons", _("请告诉我们哪里不满意"), (Choices(items, columns=2), contact),
                        tuple(actions))
        if self.state == "thanks":
            text = _("感谢您的评价，我们会跟进处理并回访") if self.level in BAD_LEVELS else _("感谢您的评价")
            return View("rate.thanks", _("评价已提交"), (Text(text, "lead"),), (Action("bye", _("完成")),),
                        prompt=text)
        labels = tuple(pair(RATING_LEVEL_LABELS[lv]) for lv in LEVELS)
        selected = LEVELS.index(self.level) if self.level else None
        return View("rate", _("请为本次服务评价"), (Rating(labels, selected),),
                    (Action("skip", _("跳过"), "secondary"),), prompt=_("请为本次服务评价"))

    def on_level(self, index: str) -> None:
        self.level = LEVELS[int(index)]
        if self.level in BAD_LEVELS:
            self.goto("reasons")
        else:
            self._submit()

    def on_reason(self, code: str) -> None:
        if code in self.reasons:
            self.reasons.remove(code)
        elif code in RATING_REASONS:
            self.reasons.append(code)
        self.ctx.changed()

    def on_other_contact(self) -> None:
        """Another number for the call-back: an empty input, the registered one stays unshown."""
        self.contact = ""
        self.contact_from_identity = False
        self.ctx.changed()

    def on_field(self, name: str, value: str) -> None:
        if name == "contact" and not self.contact_from_identity:
            self.contact = value.strip()[:20]
            self.contact_error = ""

    def on_submit(self) -> None:
        problem = check_mobile("contact", self.contact)
        if problem is not None:
            self.contact_error = _(problem.message)
            self.ctx.changed()
            return
        self._submit()

    def _submit(self) -> None:
        assert self.level is not None
        ident = self.ctx.sessions.visit.identity if self.ctx.sessions.visit else None
        # The stamp lets the platform accept the person token after it expired, when the
        # journal delivers the rating late (docs/platform.md, "Late delivery").
        # No service: the rating is of the visit as a whole (结束办理 before or without one).
        req = RatingRequest(service_code=self.service_code or None, case_no=self.reference or None,
                            person_token=ident.person_token if ident else None, level=self.level,
                            reasons=self.reasons if self.level in BAD_LEVELS else [],
                            contact=self.contact if self.level in BAD_LEVELS else "",
                            submitted_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
        payload = req.model_dump(mode="json")

        def journal() -> None:
            self.rt.journal.enqueue("rating", payload)
            self.rt.sender.kick()

        self.run(journal, lambda _r: self.goto("thanks"), _("正在提交评价…"), self._not_saved)

    def _not_saved(self, exc: BaseException) -> None:
        if isinstance(exc, JournalFull):
            self.show_error(_("本机存储空间已满，评价暂时无法保存，请联系工作人员"))
        else:
            self.show_error(exc)

    def on_back(self) -> None:
        self.level = None
        self.goto("level")

    def on_skip(self) -> None:
        self.ctx.goodbye()

    def on_bye(self) -> None:
        self.ctx.goodbye()
