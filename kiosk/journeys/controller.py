"""One citizen's visit from the first touch to the wipe, as a stack of journeys.

The controller owns what every screen shares: the journey stack (home -> guide ->
identify -> a service journey), the screen timer with its 20-second warning, the help
call, the language and elder-mode switches, the "platform unreachable" banner and the
end of the visit, which always goes through ``SessionHolder.end()`` so nothing personal
outlives it. It runs on the UI thread; devices and workers reach it through ``post``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drivers.idcard.reader import CardInserted, CardRead
from drivers.scanner.classify import CodeKind
from drivers.scanner.events import CodeScanned
from kiosk import i18n
from kiosk.i18n import _
from kiosk.journeys.base import Finished, Journey, Outcome
from kiosk.runtime import Runtime
from kiosk.timeouts import Phase, ScreenTimer
from kiosk.views import Chrome, Frame, View

if TYPE_CHECKING:
    from kiosk.journeys.technician import TechnicianJourney

log = logging.getLogger(__name__)

GOODBYE_S = 6.0
SETTLE_RETRY_S = 30.0


class VisitController:
    """Attract <-> visit; ``frame()`` is what the screen shows, ``act()`` is every touch."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions = runtime.sessions
        self.stack: list[Journey] = []
        self.timer: ScreenTimer | None = None
        self.generation = 0
        """Bumped at every visit start and end: late worker results of an old visit are dropped."""
        self.language = runtime.cfg.kiosk.language
        self.elder = runtime.cfg.kiosk.elder_mode_default
        self.help_status = ""
        self.history: list[str] = []
        """Screens shown in this visit, in order (for the demo summary; no personal data)."""
        self.visits = 0
        self._listeners: list[Callable[[], None]] = []
        self._goodbye_left: float | None = None
        self._spoken = ""
        self.settling = False
        """Orders left open by a crash or a finished visit are being settled with the platform."""
        self.payments_blocked = False
        """Some order could not be settled (platform unreachable): no new payment until it is."""
        self._start_pending = False
        self._last_settle = 0.0
        self.technician: TechnicianJourney | None = None
        """Technician mode (kiosk/journeys/technician.py) while open: only from attract, never in a visit."""
        i18n.set_language(self.language)
        runtime.bus.subscribe(self._from_device_thread, CardInserted, CardRead, CodeScanned, sync=True)
        self.settle_orders()

    # -- plumbing --------------------------------------------------------------------------
    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def run(self, work: Callable[[], Any], then: Callable[[Any], None],
            fail: Callable[[BaseException], None]) -> None:
        """Worker-pool work whose result only counts if the same visit is still going."""
        gen = self.generation

        def guard(fn: Callable[[Any], None]) -> Callable[[Any], None]:
            def call(value: Any) -> None:
                if gen != self.generation:
                    log.info("dropped a late result from an ended visit")
                    return
                fn(value)
                self.changed()
            return call

        self.runtime.submit(work, guard(then), guard(fail))

    @property
    def active(self) -> bool:
        return bool(self.stack)

    @property
    def current(self) -> Journey | None:
        return self.stack[-1] if self.stack else None

    # -- visit lifecycle --------------------------------------------------------------------
    def settle_orders(self) -> None:
        """Before the next citizen: every order not final is settled (invariant 2), off the UI thread."""
        ledger = self.runtime.ledger
        if self.settling or ledger is None or not ledger.unsettled():
            self.payments_blocked = False
            return
        from kiosk.services.reconcile import settle_left_orders

        self.settling = True
        self._last_settle = time.monotonic()

        def done(counts: dict[str, int]) -> None:
            self.settling = False
            self.payments_blocked = counts.get("unreachable", 0) > 0
            log.info("orders settled before the next citizen: %s", counts)
            self._after_settle()

        def failed(exc: BaseException) -> None:
            self.settling = False
            self.payments_blocked = True
            log.warning("settling orders failed: %s", type(exc).__name__)
            self._after_settle()

        self.runtime.submit(lambda: settle_left_orders(self.runtime.client, ledger), done, failed)

    def _after_settle(self) -> None:
        if self._start_pending:
            self._start_pending = False
            self.start_visit()
        self.changed()

    def start_visit(self, first: Journey | None = None) -> None:
        if self.active or self.technician is not None:
            return
        if self.settling:
            self._start_pending = first is None  # a tap waits the second it takes; card/code events retry
            return
        from kiosk.journeys.home import HomeJourney

        self.generation += 1
        self.visits += 1
        self.sessions.start(self.language, self.elder)
        self.history = []
        self.help_status = ""
        self._goodbye_left = None
        self._new_timer()
        log.info("visit %d started", self.visits)
        self.push(HomeJourney(self))
        if first is not None:
            self.open(first)
        self.changed()

    def end_visit(self, reason: str) -> None:
        """Finished, timed out or abandoned: wipe memory, screen and temp files; back to attract."""
        if not self.stack and self.sessions.visit is None:
            return
        visit = self.sessions.visit
        token = visit.identity.person_token if visit and visit.identity else None
        self.generation += 1
        self.stack.clear()
        self.timer = None
        self._goodbye_left = None
        self.help_status = ""
        self.sessions.end()
        log.info("visit ended (%s); personal data wiped", reason)
        self.settle_orders()
        if token:
            self._end_person_session(token)
        self.language = self.runtime.cfg.kiosk.language
        self.elder = self.runtime.cfg.kiosk.elder_mode_default
        i18n.set_language(self.language)
        self.changed()

    def _end_person_session(self, token: str) -> None:
        """Tell the platform the citizen left: the token stops working for live calls.

        Items still in the journal are not affected: each carries the time the citizen
        submitted it, and the platform honours an ended session for such stamped
        submissions within its grace period (docs/platform.md, "Late delivery").
        """
        client = self.runtime.client
        self.runtime.pool.submit(_quietly, client.end_person_session, token)

    def finish_and_rate(self, service_code: str = "", reference: str = "") -> None:
        """The citizen is done: rate (好差评) the visit, then say goodbye."""
        from kiosk.journeys.rate import RateJourney

        del self.stack[1:]
        self.push(RateJourney(self, service_code, reference))

    def goodbye(self) -> None:
        from kiosk.journeys.goodbye import GoodbyeJourney

        del self.stack[1:]
        self.push(GoodbyeJourney(self))
        self._goodbye_left = GOODBYE_S

    # -- the journey stack -----------------------------------------------------------------
    def push(self, journey: Journey) -> None:
        self.stack.append(journey)
        journey.start()
        self.changed()

    def open(self, journey: Journey) -> None:
        """Open a journey, identifying the citizen first when it needs an identity."""
        if journey.needs_identity and (self.sessions.visit is None or self.sessions.visit.identity is None):
            from kiosk.journeys.identify import IdentifyJourney

            self.push(IdentifyJourney(self, then=journey))
            return
        self.push(journey)

    def finish(self, journey: Journey, result: Finished) -> None:
        if journey not in self.stack:
            return
        while self.stack and self.stack[-1] is not journey:
            self.stack.pop()
        self.stack.pop()
        parent = self.current
        if parent is None:
            self.end_visit("journey stack emptied")
            return
        parent.resume(journey, result)
        self.changed()

    def replace(self, journey: Journey, successor: Journey) -> None:
        """``journey`` hands over to ``successor`` without finishing (identify -> the service it gated)."""
        if journey in self.stack:
            del self.stack[self.stack.index(journey):]
        self.push(successor)

    def home(self) -> None:
        del self.stack[1:]
        if self.stack:
            self.stack[0].start()
        self.changed()

    # -- input -----------------------------------------------------------------------------
    def act(self, action: str, **args: str) -> None:
        """Every touch comes here (UI thread). Chrome actions first, then the current journey."""
        if self.technician is not None:
            self.technician.act(action, **args)
            self.changed()
            return
        if self.timer is not None:
            self.timer.touch()
        if not self.active:
            if action in ("start", "touch"):
                self.start_visit()
            elif action == "technician":
                self.open_technician()
            elif action == "lang":
                self.toggle_language()
            elif action == "elder":
                self.toggle_elder()
            return
        if action == "more_time":
            self.changed()
        elif action == "home":
            self.home()
        elif action == "lang":
            self.toggle_language()
        elif action == "elder":
            self.toggle_elder()
        elif action == "help":
            self.call_help()
        elif action == "end":
            if self.current is not None and self.current.name in ("rate", "goodbye"):
                self.end_visit("citizen ended the visit")
            else:
                self.finish_and_rate()
        else:
            journey = self.current
            if journey is not None:
                journey.act(action, **args)
                self.changed()

    def toggle_language(self) -> None:
        self.language = "en" if self.language == "zh_CN" else "zh_CN"
        i18n.set_language(self.language)
        if self.sessions.visit is not None:
            self.sessions.visit.language = self.language
        self._spoken = ""
        self.changed()

    def toggle_elder(self) -> None:
        self.elder = not self.elder
        if self.sessions.visit is not None:
            self.sessions.visit.elder_mode = self.elder
        self._new_timer()
        self.changed()

    def _new_timer(self) -> None:
        cfg = self.runtime.cfg.kiosk
        self.timer = ScreenTimer(cfg.screen_timeout_s, factor=cfg.elder_timeout_factor if self.elder else 1.0)

    def call_help(self) -> None:
        from kiosk.journeys.help import request_help

        request_help(self)

    # -- technician mode ---------------------------------------------------------------------
    def open_technician(self) -> None:
        """The attract screen's hidden gesture: the PIN prompt. Never while a citizen's visit runs."""
        if self.active or self.technician is not None or self.sessions.visit is not None:
            return
        from kiosk.journeys.technician import TechnicianJourney

        self.generation += 1
        self.technician = TechnicianJourney(self)
        self.technician.start()
        self.changed()

    def close_technician(self) -> None:
        """Back to attract; late results of technician work are dropped like a visit's."""
        if self.technician is None:
            return
        self.technician = None
        self.generation += 1
        self.language = self.runtime.cfg.kiosk.language
        self.elder = self.runtime.cfg.kiosk.elder_mode_default
        i18n.set_language(self.language)
        self.changed()

    def _from_device_thread(self, event: object) -> None:
        self.runtime.post(lambda: self.on_device(event))

    def on_device(self, event: object) -> None:
        """A card or a code (UI thread): starts a visit from attract, else goes to the current journey."""
        if self.technician is not None:
            self.technician.on_event(event)  # the scanner self-test; a card never starts a visit here
            self.changed()
            return
        if not self.active:
            first = _journey_for_first_event(self, event)
            if first is not None or isinstance(event, CardInserted):
                self.start_visit(first)
            return
        journey = self.current
        if journey is not None and journey.on_event(event) and self.timer is not None:
            self.timer.touch()
        self.changed()

    # -- time ------------------------------------------------------------------------------
    def tick(self, dt: float = 1.0) -> None:
        """Called about once a second by the UI loop: timeout warning, expiry, goodbye, settling."""
        if self.payments_blocked and not self.settling and time.monotonic() - self._last_settle > SETTLE_RETRY_S:
            self.settle_orders()
        if self.technician is not None:
            self.technician.tick(dt)
            return
        if not self.active:
            return
        if self._goodbye_left is not None:
            self._goodbye_left -= dt
            if self._goodbye_left <= 0:
                self.end_visit("goodbye shown")
            return
        if self.timer is None:
            return
        phase = self.timer.phase()
        if phase is Phase.EXPIRED:
            self.end_visit("timeout")
        elif phase is Phase.WARNING:
            self.changed()

    # -- what to show -----------------------------------------------------------------------
    def frame(self) -> Frame:
        if self.technician is not None:
            return self.technician.frame()
        chrome = self._chrome()
        journey = self.current
        if journey is None:
            return Frame(View("attract", _("请触摸屏幕开始办理")), chrome, attract=True)
        view = journey.decorate(journey.view())
        if not self.history or self.history[-1] != view.screen:
            self.history.append(view.screen)
        if view.prompt and view.prompt != self._spoken:
            self._spoken = view.prompt
            speech = self.runtime.speech
            if speech is not None:
                speech.say(view.prompt, self.language)
        return Frame(view, chrome)

    def _chrome(self) -> Chrome:
        snap = self.runtime.status.snapshot()
        banner = ""
        if snap.platform_reachable is False:
            banner = _("政务服务平台暂时无法连接：可浏览办事指南，提交的申请将安全保存并在恢复后自动发送")
        countdown = None
        if self.timer is not None and self.active and self._goodbye_left is None:
            if self.timer.phase() is Phase.WARNING:
                countdown = self.timer.countdown()
        visit = self.sessions.visit
        identity = visit.identity.masked_name if visit is not None and visit.identity is not None else ""
        labels = (
            ("help", _("呼叫帮办")), ("home", _("首页")), ("lang", "English" if self.language == "zh_CN" else "中文"),
            ("elder", _("标准模式") if self.elder else _("长辈模式")), ("end", _("退出")),
            ("more_time", _("我需要更多时间")),
            ("countdown", _("{n} 秒后将自动退出并清除您的信息").format(n=countdown or 0)),
        )
        return Chrome(self.language, self.elder, banner, countdown, self.help_status, identity,
                      can_go_home=len(self.stack) > 1, labels=labels)


def _journey_for_first_event(ctl: VisitController, event: object) -> Journey | None:
    """What a card or code shown at the attract screen starts."""
    if isinstance(event, CardRead):
        from kiosk.journeys.identify import IdentifyJourney

        return IdentifyJourney(ctl, then=None, card=event.card)
    if isinstance(event, CodeScanned):
        if event.kind is CodeKind.APPOINTMENT:
            from kiosk.journeys.queue import CheckInJourney

            return CheckInJourney(ctl, appointment_code=event.text)
        if event.kind is CodeKind.GOV_APP_TOKEN:
            from kiosk.journeys.identify import IdentifyJourney

            return IdentifyJourney(ctl, then=None, app_token=event.text)
    return None


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:  # best effort: the platform expires person sessions by itself
        log.info("ending the person session failed: %s", type(exc).__name__)


__all__ = ["Outcome", "VisitController"]
