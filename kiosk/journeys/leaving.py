"""Leaving a visit: one exit in the bar, a question before work would be lost, rating only
after a service was used.

The bar's exit (and its home button) is one touch away from every screen, so a citizen
halfway through an application could lose it by brushing the wrong button. When any open
journey says leaving would lose something (``Journey.work_at_risk``), the screen asks
first and names what would be lost; otherwise the touch acts at once. The rating (好差评)
asks about a service, so it is offered only when a service was delivered in this visit.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from kiosk.i18n import _
from kiosk.journeys.base import Finished, Journey, Outcome
from kiosk.journeys.stack import JourneyStack
from kiosk.views import Action, Text, View

LEAVE_ACTIONS = frozenset({"leave", "stay"})


class LeaveGuard:
    """The pending "are you sure" question of a visit and the service the rating is about."""

    def __init__(self) -> None:
        self.pending = ""
        """The bar action ("end" or "home") waiting for the citizen's answer; "" when none."""
        self.risk = ""
        self.served: tuple[str, str] | None = None
        """(service code, reference) of the last service delivered in this visit."""

    def new_visit(self) -> None:
        self.pending = ""
        self.risk = ""
        self.served = None

    def ask(self, action: str, stack: Sequence[Journey]) -> bool:
        """True when ``action`` must wait for confirmation (something open would be lost)."""
        for journey in reversed(stack):
            risk = journey.work_at_risk()
            if risk:
                self.pending, self.risk = action, risk
                return True
        return False

    def record(self, journey: Journey, reference: str | None = None) -> None:
        """``journey`` delivered its service (``reference`` defaults to what it says it delivered)."""
        ref = journey.delivered() if reference is None else reference
        if ref is None:
            return
        service = getattr(journey, "service", None)
        self.served = (getattr(service, "code", "") or "", ref)

    def rating_about(self, stack: Sequence[Journey]) -> tuple[str, str] | None:
        """The service a rating would be about: the last one delivered, open or finished; None if none."""
        for journey in reversed(stack):
            if journey.delivered() is not None:
                self.record(journey)
                break
        return self.served

    def answer(self) -> str:
        """The question is answered: the action that was waiting (the caller decides what "leave" does)."""
        action, self.pending, self.risk = self.pending, "", ""
        return action

    def view(self) -> View:
        title = _("确定要结束办理吗？") if self.pending == "end" else _("确定要返回首页吗？")
        return View("leave.confirm", title, (Text(self.risk, "lead"),),
                    (Action("stay", _("继续办理")), Action("leave", _("确定离开，清除信息"), "secondary")),
                    prompt=title)


class VisitExits(JourneyStack):
    """The visit controller's exits: the bar's "退出" and "首页", the question before work is lost,
    and the rating only about a delivered service (``VisitController`` builds on this)."""

    leaving: LeaveGuard

    @abstractmethod
    def finish_and_rate(self, service_code: str = "", reference: str = "") -> None: ...

    @abstractmethod
    def goodbye(self) -> None: ...

    @abstractmethod
    def call_help(self) -> None: ...

    @abstractmethod
    def toggle_language(self) -> None: ...

    @abstractmethod
    def toggle_elder(self) -> None: ...

    def finish(self, journey: Journey, result: Finished) -> None:
        """A journey finished; a delivered service is what the rating at the end will be about."""
        if result.outcome is Outcome.DONE and journey.delivered() is not None:
            self.leaving.record(journey, result.reference)
        super().finish(journey, result)

    def _answer_leave(self, action: str) -> None:
        """While "are you sure" shows, only its answers and the bar's help/language/elder count."""
        if action in LEAVE_ACTIONS:
            pending = self.leaving.answer()
            if action == "leave":
                self._leave(pending)
        elif action in ("help", "lang", "elder", "more_time"):
            {"help": self.call_help, "lang": self.toggle_language, "elder": self.toggle_elder,
             "more_time": lambda: None}[action]()
        self.changed()

    def _home_pressed(self) -> None:
        if not self.leaving.ask("home", self.stack[1:]):
            self.home()
        self.changed()

    def _end_pressed(self) -> None:
        if self.current is not None and self.current.name in ("rate", "goodbye"):
            self.end_visit("citizen ended the visit")
        elif not self.leaving.ask("end", self.stack):
            self._leave("end")
        self.changed()

    def _leave(self, action: str) -> None:
        """Go home, or end: the rating when a service was used in this visit, else straight to goodbye."""
        if action == "home":
            self.home()
        elif (served := self.leaving.rating_about(self.stack)) is not None:
            self.finish_and_rate(*served)
        else:
            self.goodbye()
