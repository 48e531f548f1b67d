"""What the screen shows of a visit: the current journey's step inside the bar, or the attract screen.

Every step is shown the same way: the journey's ``View`` with the busy spinner or error
line added (``Journey.decorate``), inside the bar with help, home, language, elder mode,
the timeout countdown and the "platform unreachable" banner. A step's spoken prompt is
said once, when it first appears, not at every redraw.
"""

from __future__ import annotations

from kiosk.i18n import _
from kiosk.journeys.base import Journey
from kiosk.runtime import Runtime
from kiosk.views import Chrome, Frame, View

LANGUAGE_BUTTON = {"zh_CN": "English", "en": "繁體中文", "zh_TW": "简体中文"}
"""The language button names the language it switches to, in that language (never translated)."""


class VisitScreen:
    """Builds each ``Frame`` of a visit; remembers the screens shown and the last prompt spoken."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.history: list[str] = []
        """Screens shown in this visit, in order (the help call names the last; no personal data)."""
        self._spoken = ""

    def new_visit(self) -> None:
        self.history = []

    def language_changed(self) -> None:
        """The current prompt is said again, in the new language."""
        self._spoken = ""

    def frame(self, journey: Journey | None, chrome: Chrome) -> Frame:
        if journey is None:
            return Frame(View("attract", _("请触摸屏幕开始办理")), chrome, attract=True)
        return self.frame_of(journey.decorate(journey.view()), chrome)

    def frame_of(self, view: View, chrome: Chrome) -> Frame:
        """A visit's step that is not a journey's own (the "are you sure you want to leave" question)."""
        if not self.history or self.history[-1] != view.screen:
            self.history.append(view.screen)
        if view.prompt and view.prompt != self._spoken:
            self._spoken = view.prompt
            speech = self.rt.speech
            if speech is not None:
                speech.say(view.prompt, chrome.language, slow=chrome.elder)
        return Frame(view, chrome)

    def chrome(self, language: str, elder: bool, *, countdown: int | None, help_status: str, identity: str,
               can_go_home: bool, help_open: bool = False) -> Chrome:
        """The bar around every step; ``identity`` is the masked name of an identified citizen.

        While a help call is open the help button cancels it, and says so.
        """
        banner = ""
        if self.rt.status.snapshot().platform_reachable is False:
            banner = _("政务服务平台暂时无法连接：可浏览办事指南，提交的申请将安全保存并在恢复后自动发送")
        labels = (
            ("help", _("取消呼叫") if help_open else _("呼叫帮办")), ("home", _("首页")),
            ("lang", LANGUAGE_BUTTON.get(language, "English")),
            ("elder", _("标准模式") if elder else _("长辈模式")), ("end", _("退出")),
            ("more_time", _("我需要更多时间")),
            ("countdown", _("{n} 秒后将自动退出并清除您的信息").format(n=countdown or 0)),
            # the help panel under a short step (screens/aside.py)
            ("aside_title", _("已呼叫工作人员") if help_open else _("需要帮助？")),
            ("aside_text", _("请在本机旁稍候；不再需要帮助时，请按“取消呼叫”") if help_open
             else _("请按屏幕上方的“呼叫帮办”，工作人员将到场协助；也可前往大厅咨询台或拨打政务服务便民热线 12345")),
            ("aside_short", _("工作人员正在赶来，请稍候") if help_open else _("需要帮助？请按“呼叫帮办”")),
        )
        return Chrome(language, elder, banner, countdown, help_status, identity, can_go_home=can_go_home,
                      labels=labels)
