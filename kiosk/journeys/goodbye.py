"""Goodbye: a few seconds of "please take your card and receipts", then the wipe."""

from __future__ import annotations

from kiosk.i18n import _
from kiosk.journeys.base import Journey
from kiosk.views import Action, Text, View


class GoodbyeJourney(Journey):
    name = "goodbye"

    def view(self) -> View:
        text = _("请取走您的身份证件和凭条。您的个人信息已从本机清除。")
        return View("goodbye", _("感谢使用，再见"), (Text(text, "lead"),), (Action("end", _("完成")),),
                    prompt=_("请取走您的身份证件和凭条"))

    def on_end(self) -> None:
        self.ctx.end_visit("goodbye confirmed")
