"""The journey contract: a state machine that describes its step as a ``View``, and the
context it runs in.

Journeys run on one thread, the UI thread (Kivy's main loop, or the headless loop in
tests and ``kiosk demo``), so their state needs no locks. Anything slow — a platform
call, a print job, a camera capture — goes through ``ctx.run``: the work runs in the
worker pool and its result comes back to the journey on the UI thread. A result that
arrives after the citizen moved on (timeout, walked away, pressed home) is dropped,
because the visit generation it was started under is over.

``JourneyContext`` is all a journey may use of the visit controller. It lives here, next
to ``Journey``, because each names the other: keeping both in one module is what lets
the journey modules depend on this one alone and never on the controller.
"""

from __future__ import annotations

import enum
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.i18n import _, current_language, pair, platform_text
from kiosk.platform.contract.catalog import KioskCapability, Service
from kiosk.platform.errors import PlatformError
from kiosk.runtime import Runtime
from kiosk.views import Action, Progress, Text, View
from kiosk.visit import SessionHolder, Visit

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    DONE = "done"
    """The service was delivered (submitted, paid, printed, ticket taken...)."""
    BACK = "back"
    """The citizen stepped back without finishing."""
    FAILED = "failed"
    """It could not be completed; the journey already told the citizen why."""


@dataclass(frozen=True)
class Finished:
    outcome: Outcome
    reference: str = ""
    """A case number, order id or ticket number for the rating and the goodbye screen."""


def pick(zh: str, en: str) -> str:
    """The platform sends both languages; show the English one where it exists and English is chosen.

    Its Chinese is Simplified: in Traditional Chinese it is converted for display (``platform_text``).
    """
    return en if current_language() == "en" and en else platform_text(zh)


def error_text(exc: BaseException) -> str:
    """A citizen-facing message for any failure from the worker pool; details go to the log only."""
    if isinstance(exc, PlatformError):
        return pair(exc.citizen_message)
    return _("暂时无法完成，请稍后再试或按“呼叫帮办”求助")


class JourneyContext(Protocol):
    """What a journey may use of the visit it runs in (``VisitController`` provides it).

    A journey reads the runtime's parts, the visit and the elder mode, hands slow work to
    ``run``, says ``changed`` after a change the screen must show, and moves through the
    visit only by these calls: ``open`` a sub-journey (identifying first when it needs
    an identity), ``push`` one without that gate, ``replace`` itself, ``finish``, or end
    the visit through rating and goodbye. The journey for a guide's capability comes
    from ``journey_for`` (the registry the composition root handed the controller), so
    the guide imports none of the service journeys.
    """

    rt: Runtime
    sessions: SessionHolder
    elder: bool

    @property
    def generation(self) -> int:
        """Bumped at every visit start and end: work begun under an older value belongs to a visit that is over."""
        ...

    @property
    def stack(self) -> Sequence[Journey]:
        """The open journeys, the current one last."""
        ...

    @property
    def payments_blocked(self) -> bool:
        """An order left open could not be settled yet: no new payment until it is."""
        ...

    def changed(self) -> None: ...

    def run(self, work: Callable[[], Any], then: Callable[[Any], None],
            fail: Callable[[BaseException], None]) -> None: ...

    def push(self, journey: Journey) -> None: ...

    def open(self, journey: Journey) -> None: ...

    def replace(self, journey: Journey, successor: Journey) -> None: ...

    def finish(self, journey: Journey, result: Finished) -> None: ...

    def journey_for(self, capability: KioskCapability, service: Service) -> Journey | None: ...

    def finish_and_rate(self, service_code: str = "", reference: str = "") -> None: ...

    def goodbye(self) -> None: ...

    def end_visit(self, reason: str) -> None: ...



class TechnicianContext(JourneyContext, Protocol):
    """What technician mode uses of the controller besides a journey's context: the bar's language, and leaving."""

    language: str

    def toggle_language(self) -> None: ...

    def close_technician(self) -> None: ...

class Journey(ABC):
    """Base class; subclasses set ``name`` and implement ``start``, ``view`` and ``on_*`` handlers.

    ``act(id, **args)`` calls ``on_<id>``; unknown ids are logged and ignored, so a stale
    touch (a button from the previous step) can never raise.
    """

    name = "journey"
    needs_identity = False

    def __init__(self, ctx: JourneyContext) -> None:
        self.ctx = ctx
        self.state = "start"
        self.busy = ""
        self.error = ""

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:  # noqa: B027 - optional hook: most journeys need no set-up
        """Called once when the journey becomes the current one."""

    def resume(self, child: Journey, result: Finished) -> None:  # noqa: B027 - optional hook
        """A journey this one opened (e.g. identify) has finished."""

    @abstractmethod
    def view(self) -> View: ...

    def on_event(self, event: object) -> bool:
        """A device event while this journey is current; True if it was used (counts as activity)."""
        return False

    def work_at_risk(self) -> str:
        """What leaving now would lose, in the citizen's words ("" when nothing would be).

        The bar's exit and home buttons ask for confirmation when any open journey says
        something here, so a half-filled application is never discarded by one touch.
        """
        return ""

    def delivered(self) -> str | None:
        """The reference of what this journey has delivered so far (a ticket or case number,
        an order id; "" when it has none), or None while nothing was delivered.

        Leaving asks for a rating only about a service the citizen actually used.
        """
        return None

    def tally(self) -> dict[str, int]:
        """What this journey adds to the visit's figures (``payments``, ``payments_fen``, ``queue_tickets``).

        Counts only, nothing about the citizen: read once when the journey leaves the stack
        (kiosk.journeys.summary).
        """
        return {}

    # -- helpers for subclasses ---------------------------------------------------------
    @property
    def rt(self) -> Runtime:
        return self.ctx.rt

    @property
    def visit(self) -> Visit:
        visit = self.ctx.sessions.visit
        assert visit is not None, "journeys run only inside a visit"
        return visit

    def goto(self, state: str) -> None:
        self.state = state
        self.error = ""
        self.ctx.changed()

    def run(self, work: Callable[[], Any], then: Callable[[Any], None], busy: str,
            fail: Callable[[BaseException], None] | None = None) -> None:
        """Do ``work`` in the pool; ``then(result)`` or ``fail(exc)`` back on the UI thread."""
        self.busy = busy
        self.error = ""

        def done(result: Any) -> None:
            self.busy = ""
            then(result)

        def failed(exc: BaseException) -> None:
            self.busy = ""
            if fail is not None:
                fail(exc)
            else:
                self.show_error(exc)

        self.ctx.run(work, done, failed)
        self.ctx.changed()

    def show_error(self, exc: BaseException | str) -> None:
        self.error = exc if isinstance(exc, str) else error_text(exc)
        if not isinstance(exc, str):
            log.warning("%s/%s failed: %s: %s", self.name, self.state, type(exc).__name__, exc)
        self.ctx.changed()

    def finish(self, outcome: Outcome, reference: str = "") -> None:
        self.ctx.finish(self, Finished(outcome, reference))

    def decorate(self, view: View) -> View:
        """Add the busy spinner or the error line every journey shows the same way."""
        if self.busy:
            return View(view.screen, view.title, (Progress(self.busy),), (), view.prompt, view.step)
        if self.error:
            return View(view.screen, view.title, (Text(self.error, "error"), *view.blocks), view.actions,
                        view.prompt, view.step)
        return view

    def act(self, action: str, **args: str) -> None:
        if self.busy:
            log.info("%s: %r ignored while busy", self.name, action)
            return
        handler = getattr(self, f"on_{action}", None)
        if handler is None:
            log.warning("%s/%s: no handler for action %r", self.name, self.state, action)
            return
        handler(**args)


def back_action(label: str | None = None) -> Action:
    return Action("back", label or _("返回"), "secondary")


CapabilityFactory = Callable[[JourneyContext, Service], Journey]
"""What serves one kiosk capability of a service (a guide's button): the registry maps each to one."""
