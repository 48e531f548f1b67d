"""One citizen's visit from the first touch to the wipe, as a stack of journeys.

The controller owns what every screen shares: the journey stack (home -> guide ->
identify -> a service journey; ``stack.py``), the screen timer with its 20-second
warning (``clock.py``), the help call, the language and elder-mode switches, the bar and
its "platform unreachable" banner (``screen.py``), settling open orders before the next
citizen (``settling.py``), technician mode, and the end of the visit, which always goes
through ``SessionHolder.end()`` so nothing personal outlives it. It runs on the UI
thread; devices and workers reach it through ``post``.

It imports no journey: the composition root hands it ``JourneyFactories`` (built by
``kiosk.journeys.registry``), and journeys see it only as a ``JourneyContext``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from drivers.idreader.reader import CardInserted, CardRead
from drivers.printer.events import PrintJobFinished
from drivers.scanner.events import CodeScanned
from kiosk import i18n
from kiosk.bus import VisitEnded
from kiosk.journeys.base import Finished, Journey, Outcome
from kiosk.journeys.clock import VisitClock
from kiosk.journeys.factories import DeferredFactories, JourneyFactories, TechnicianMode
from kiosk.journeys.help import HOLD_S, HelpDesk
from kiosk.journeys.leaving import LeaveGuard, VisitExits
from kiosk.journeys.screen import VisitScreen
from kiosk.journeys.settling import OrderSettler
from kiosk.journeys.summary import VisitSummaries
from kiosk.platform.contract.catalog import KioskCapability, Service
from kiosk.runtime import Runtime
from kiosk.services import localtime
from kiosk.services.codes import CodeKind
from kiosk.views import Frame

log = logging.getLogger(__name__)

NEXT_LANGUAGE = {"zh_CN": "en", "en": "zh_TW", "zh_TW": "zh_CN"}
"""The language button cycles: Simplified Chinese, English, Traditional Chinese (Hong Kong, Macau, Taiwan)."""


class VisitController(VisitExits):
    """Attract <-> visit; ``frame()`` is what the screen shows, ``act()`` is every touch."""

    def __init__(self, rt: Runtime, journeys: JourneyFactories | DeferredFactories) -> None:
        super().__init__(rt)
        self.journeys = journeys
        self.clock = VisitClock(lambda: rt.cfg.kiosk)
        self.language: str = rt.cfg.kiosk.language
        self.elder = rt.cfg.kiosk.elder_mode_default
        self.help = HelpDesk(rt, self.run)
        self.screen = VisitScreen(rt)
        self.leaving = LeaveGuard()
        self.visits = 0
        self.orders = OrderSettler(rt, self._after_settle)
        self._start_pending = False
        self.technician: TechnicianMode | None = None
        """Technician mode while open: only from attract, never in a visit."""
        i18n.set_language(self.language)
        localtime.configure(rt.cfg.kiosk.timezone)
        rt.bus.subscribe(self._from_device_thread, CardInserted, CardRead, CodeScanned, sync=True)
        rt.busy_checks.append(self.screen_busy)
        self.summary = VisitSummaries(rt)
        """The visit's figures (no personal data), journaled for the platform when it ends."""
        rt.bus.subscribe(self.summary.on_print, PrintJobFinished, sync=True)
        self.on_change(self._note_steps)
        self.orders.settle()

    @property
    def settling(self) -> bool:
        """Orders left open by a crash or a finished visit are being settled with the platform."""
        return self.orders.settling

    @property
    def payments_blocked(self) -> bool:
        """Some order could not be settled (platform unreachable): no new payment until it is."""
        return self.orders.blocked

    def screen_busy(self) -> str | None:
        """Why the screen is not the attract screen now (read from the heartbeat thread by remote actions)."""
        if self.technician is not None:
            return "technician mode is open"
        if self.active or self.sessions.visit is not None:
            return "a citizen's visit is in progress"
        return None

    # -- visit lifecycle --------------------------------------------------------------------
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
        self.generation += 1
        self.visits += 1
        self.sessions.start(self.language, self.elder)
        self.summary.begin()
        self.screen.new_visit()
        self.leaving.new_visit()
        self.help.reset()
        self.clock.start(self.elder)
        log.info("visit %d started", self.visits)
        self.push(self.journeys.home(self))
        if first is not None:
            self.open(first)
        self.changed()

    def end_visit(self, reason: str) -> None:
        """Finished, timed out or abandoned: wipe memory, screen and temp files; back to attract."""
        if not self.stack and self.sessions.visit is None:
            return
        self.generation += 1
        self.summary.close_all()
        self.stack.clear()
        self.clock.stop()
        self.help.cancel(quietly=True)
        self.leaving.new_visit()
        self._wipe_person()
        log.info("visit ended (%s); personal data wiped", reason)
        self._summarise(reason)
        self.rt.bus.publish(VisitEnded(reason))
        self.orders.settle()
        self._default_language_and_mode()
        self.changed()

    def _note_steps(self) -> None:
        try:
            self.summary.seen(self.stack)
        except Exception:  # the figures must never break a citizen's visit
            log.exception("visit summary: step not noted")

    def _summarise(self, reason: str) -> None:
        try:
            self.summary.end(reason, self.language, self.elder)
        except Exception:  # the figures lose one visit; the next citizen must still get the attract screen
            log.exception("visit summary not made")

    # -- journeys leaving the stack --------------------------------------------------------------
    def finish(self, journey: Journey, result: Finished) -> None:
        self.summary.finished(journey, result.outcome is Outcome.DONE)
        super().finish(journey, result)

    def replace(self, journey: Journey, successor: Journey) -> None:
        """Identify hands over to the service it gated: for the figures, it completed."""
        self.summary.finished(journey, True)
        super().replace(journey, successor)

    def _wipe_person(self) -> None:
        """Forget the citizen (memory, temp files) and end their platform session; safe to call twice."""
        visit = self.sessions.visit
        token = visit.identity.person_token if visit and visit.identity else None
        self.sessions.end()
        if token:
            self._end_person_session(token)

    def _default_language_and_mode(self) -> None:
        self.language = self.rt.cfg.kiosk.language
        self.elder = self.rt.cfg.kiosk.elder_mode_default
        i18n.set_language(self.language)

    def _end_person_session(self, token: str) -> None:
        """Tell the platform the citizen left: the token stops working for live calls.

        Items still in the journal are not affected: each carries the time the citizen
        submitted it, and the platform honours an ended session for such stamped
        submissions within its grace period (docs/platform.md, "Late delivery").
        """
        client = self.rt.client
        self.rt.pool.submit(_quietly, client.end_person_session, token)

    # -- opening journeys -----------------------------------------------------------------
    def open(self, journey: Journey) -> None:
        """Open a journey, identifying the citizen first when it needs an identity."""
        if journey.needs_identity and (self.sessions.visit is None or self.sessions.visit.identity is None):
            self.push(self.journeys.identify(self, then=journey))
            return
        self.push(journey)

    def journey_for(self, capability: KioskCapability, service: Service) -> Journey | None:
        """The journey serving ``capability`` of ``service`` (a guide's button), from the registry."""
        factory = self.journeys.capabilities.get(capability)
        return factory(self, service) if factory is not None else None

    # -- the end of a visit -------------------------------------------------------------------
    def finish_and_rate(self, service_code: str = "", reference: str = "") -> None:
        """The citizen is done: rate (好差评) the visit, then say goodbye."""
        del self.stack[1:]
        self.push(self.journeys.rate(self, service_code, reference))

    def goodbye(self) -> None:
        """The goodbye screen says the citizen's data is gone: it is, before the screen shows."""
        self.generation += 1  # late results of the visit's work have no one to go to
        self.help.cancel(quietly=True)
        self.summary.close_all()
        self.stack.clear()
        self._wipe_person()
        self.push(self.journeys.goodbye(self))
        self.clock.goodbye()

    # -- input -----------------------------------------------------------------------------
    def act(self, action: str, **args: str) -> None:
        """Every touch comes here (UI thread). Chrome actions first, then the current journey."""
        if self.technician is not None:
            self.technician.act(action, **args)
            self.changed()
            return
        self.clock.touch()
        if not self.active:
            attract = {"start": self.start_visit, "touch": self.start_visit, "technician": self.open_technician,
                       "lang": self.toggle_language, "elder": self.toggle_elder}
            if action in attract:
                attract[action]()
            return
        if self.leaving.pending:
            self._answer_leave(action)
            return
        chrome = {"more_time": self.changed, "home": self._home_pressed, "lang": self.toggle_language,
                  "elder": self.toggle_elder, "help": self.call_help, "end": self._end_pressed}
        if action in chrome:
            chrome[action]()
            return
        journey = self.current
        if journey is not None:
            journey.act(action, **args)
            self.changed()

    def toggle_language(self) -> None:
        self.language = NEXT_LANGUAGE.get(self.language, "zh_CN")
        i18n.set_language(self.language)
        if self.sessions.visit is not None:
            self.sessions.visit.language = self.language
        self.screen.language_changed()
        self.changed()

    def toggle_elder(self) -> None:
        self.elder = not self.elder
        if self.sessions.visit is not None:
            self.sessions.visit.elder_mode = self.elder
        self.clock.restart(self.elder)
        self.changed()

    def call_help(self) -> None:
        """Help for the current screen, or cancel the open call; the bar's status line says how it goes."""
        if self.help.open:
            self.help.cancel()
            self.clock.hold(False, HOLD_S)
            self.changed()
            return
        journey = self.current
        screen = self.screen.history[-1] if self.screen.history else "attract"
        service = getattr(getattr(journey, "service", None), "code", None)
        self.help.call(screen, service, self.elder)
        self.clock.hold(True, HOLD_S)
        self.changed()

    # -- technician mode ---------------------------------------------------------------------
    def open_technician(self) -> None:
        """The attract screen's hidden gesture: the PIN prompt. Never while a citizen's visit runs."""
        if self.active or self.technician is not None or self.sessions.visit is not None:
            return
        self.generation += 1
        self.technician = self.journeys.technician(self)
        self.technician.start()
        self.changed()

    def close_technician(self) -> None:
        """Back to attract; late results of technician work are dropped like a visit's."""
        if self.technician is None:
            return
        self.technician = None
        self.generation += 1
        self._default_language_and_mode()
        self.changed()

    # -- devices ---------------------------------------------------------------------------
    def _from_device_thread(self, event: object) -> None:
        self.rt.post(lambda: self.on_device(event))

    def on_device(self, event: object) -> None:
        """A card or a code (UI thread): starts a visit from attract, else goes to the current journey."""
        if self.technician is not None:
            self.technician.on_event(event)  # the scanner self-test; a card never starts a visit here
            self.changed()
            return
        if not self.active:
            first = self._journey_for_first_event(event)
            if first is not None or isinstance(event, CardInserted):
                self.start_visit(first)
            return
        journey = self.current
        if journey is not None and journey.on_event(event):
            self.clock.touch()
        self.changed()

    def _journey_for_first_event(self, event: object) -> Journey | None:
        """What a card or code shown at the attract screen starts."""
        if isinstance(event, CardRead):
            return self.journeys.identify(self, then=None, card=event.card)
        if isinstance(event, CodeScanned):
            if event.kind is CodeKind.APPOINTMENT:
                return self.journeys.check_in(self, event.text)
            if event.kind is CodeKind.GOV_APP_TOKEN:
                return self.journeys.identify(self, then=None, app_token=event.text)
        return None

    # -- time ------------------------------------------------------------------------------
    def tick(self, dt: float = 1.0) -> None:
        """Called about once a second by the UI loop: timeout warning, expiry, goodbye, settling."""
        if self.orders.retry_due():
            self.orders.settle()
        if self.technician is not None:
            self.technician.tick(dt)
            return
        if not self.active:
            return
        self.clock.hold(self.help.open, HOLD_S)
        reason = self.clock.advance(dt)
        if reason:
            self.end_visit(reason)
        elif self.clock.countdown() is not None:
            self.changed()

    # -- what to show -----------------------------------------------------------------------
    def frame(self) -> Frame:
        if self.technician is not None:
            return self.technician.frame()
        visit = self.sessions.visit
        identity = visit.identity.masked_name if visit is not None and visit.identity is not None else ""
        countdown = self.clock.countdown() if self.active else None
        chrome = self.screen.chrome(self.language, self.elder, countdown=countdown, help_status=self.help.status,
                                    identity=identity, can_go_home=len(self.stack) > 1, help_open=self.help.open)
        if self.leaving.pending:
            return self.screen.frame_of(self.leaving.view(), chrome)
        return self.screen.frame(self.current, chrome)


def _quietly(fn: Callable[..., Any], *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:  # best effort: the platform expires person sessions by itself
        log.info("ending the person session failed: %s", type(exc).__name__)
