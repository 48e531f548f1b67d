"""Technician mode as one journey: the PIN prompt first, then the pages, a timer, the bar, the audit.

The visit controller opens it from the attract screen and, while it is open, hands it
every touch, device event and tick. Until the PIN is accepted only the prompt's actions
work (besides leaving and the language switch). After that, the navigation opens pages,
the bar's help button reads "刷新" (refresh) and every other touch goes to the page
shown. Inactivity closes the mode (one minute at the prompt, three after), with the
last 20 seconds counted down in the bar like a citizen's visit.
"""

from __future__ import annotations

import logging
import time

from kiosk.i18n import _
from kiosk.journeys.base import Journey, TechnicianContext
from kiosk.journeys.technician.devices import DevicesPage
from kiosk.journeys.technician.logs import ErrorsPage, ExportPage
from kiosk.journeys.technician.network import PlatformPage
from kiosk.journeys.technician.page import Page
from kiosk.journeys.technician.pin import PinPrompt
from kiosk.journeys.technician.queues import QueuesPage
from kiosk.journeys.technician.system import SystemPage
from kiosk.ops.audit import signed_in
from kiosk.ops.pin import LOCAL_ID
from kiosk.timeouts import Phase, ScreenTimer
from kiosk.views import Action, Choices, Chrome, Frame, View

log = logging.getLogger(__name__)
audit = logging.getLogger("kiosk.audit")

PIN_TIMEOUT_S = 60
TECHNICIAN_TIMEOUT_S = 180
"""Inactivity before technician mode closes by itself (the last 20 s show a countdown)."""
PAGES: tuple[type[Page], ...] = (DevicesPage, PlatformPage, QueuesPage, ErrorsPage, ExportPage, SystemPage)
"""The navigation, in order; the first is shown when the PIN is accepted."""
PIN_ACTIONS = frozenset({"field", "pin_ok"})
"""All that works before the PIN is accepted (besides leaving and the language switch)."""
MODE_ACTIONS = frozenset({"page", "refresh"})
"""Handled by the mode itself; every other action goes to the page shown."""


class TechnicianJourney(Journey):
    name = "technician"
    needs_identity = False

    def __init__(self, ctx: TechnicianContext) -> None:
        super().__init__(ctx)
        self.ctx: TechnicianContext = ctx
        self.state = "pin"
        self.prompt = PinPrompt(self, self._unlocked)
        self.unlocked = False
        self.technician = ""
        """Who signed in: a platform-issued id, or ``local`` (kiosk.ops.pin.LOCAL_ID)."""
        self.pages = {page.key: page(self) for page in PAGES}
        self.page: Page = self.pages[PAGES[0].key]
        self.timer = ScreenTimer(PIN_TIMEOUT_S)
        self.opened_at = time.monotonic()
        self.used: list[str] = []
        """What the technician ran, for the audit line (action names only)."""

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        self.prompt.opened()
        audit.info("technician PIN prompt opened from the attract screen")

    def _unlocked(self, who: str) -> None:
        self.unlocked = True
        self.technician = who
        self.state = "page"
        self.timer = ScreenTimer(TECHNICIAN_TIMEOUT_S)
        self.opened_at = time.monotonic()
        signed_in(who)
        how = "the local PIN set at provisioning" if who == LOCAL_ID else "a PIN issued by the platform"
        audit.info("technician mode entered by %s (%s)", who, how)
        self.ctx.changed()

    def leave(self, reason: str) -> None:
        seconds = round(time.monotonic() - self.opened_at)
        if self.unlocked:
            audit.info("technician mode left (%s) after %d s; used: %s", reason, seconds,
                       ", ".join(self.used) or "nothing")
            signed_in(None)
        else:
            audit.info("technician PIN prompt closed (%s) without entering", reason)
        self.page.result = ()
        self.ctx.close_technician()

    def tick(self, dt: float = 1.0) -> None:
        if self.timer.phase() is Phase.EXPIRED:
            self.leave("inactivity timeout")
            return
        moving = self.page.tick() if self.unlocked else self.prompt.tick()
        if moving or self.timer.phase() is Phase.WARNING:
            self.ctx.changed()

    def on_event(self, event: object) -> bool:
        if not (self.unlocked and self.page.on_event(event)):
            return False
        self.timer.touch()
        return True

    # -- input ----------------------------------------------------------------------------
    def act(self, action: str, **args: str) -> None:
        self.timer.touch()
        if action == "end":
            self.leave("technician left")
            return
        if action == "more_time":
            return
        if action == "lang":
            self.ctx.toggle_language()
            return
        if action == "elder":
            self.ctx.elder = not self.ctx.elder
            return
        if action in ("help", "home"):
            action = "refresh"  # the bar's help button reads "刷新" in this mode
        if not self.unlocked and action not in PIN_ACTIONS:
            log.warning("technician action %r refused: PIN not entered", action)
            return
        if self.unlocked and action != "field":
            self.used.append(action if action != "page" else f"page:{args.get('page', '')}")
            del self.used[:-40]
        if self.busy:
            log.info("%s: %r ignored while busy", self.name, action)
            return
        target: object = self.page
        if not self.unlocked:
            target = self.prompt
        elif action in MODE_ACTIONS:
            target = self
        handler = getattr(target, f"on_{action}", None)
        if handler is None:
            log.warning("technician/%s: no handler for action %r", self.page.key, action)
            return
        handler(**args)

    def on_page(self, page: str = "devices") -> None:
        if page not in self.pages:
            return
        self.page = self.pages[page]
        self.page.opened()
        self.ctx.changed()

    def on_refresh(self) -> None:
        self.page.refresh()
        self.ctx.changed()

    # -- what to show ---------------------------------------------------------------------
    def frame(self) -> Frame:
        view = self.decorate(self.view())
        ctx = self.ctx
        countdown = self.timer.countdown() if self.timer.phase() is Phase.WARNING else None
        labels = (
            ("help", _("刷新")), ("home", _("首页")), ("lang", "English" if ctx.language == "zh_CN" else "中文"),
            ("elder", _("标准模式") if ctx.elder else _("长辈模式")), ("end", _("退出维护")),
            ("more_time", _("继续维护")),
            ("countdown", _("{n} 秒后将退出维护模式").format(n=countdown or 0)),
        )
        chrome = Chrome(language=ctx.language, elder=ctx.elder, countdown=countdown, identity=_("维护模式"),
                        can_go_home=False, labels=labels)
        return Frame(view, chrome)

    def view(self) -> View:
        if not self.unlocked:
            return self.prompt.view()
        takeover = self.page.takeover()
        if takeover is not None:
            return takeover
        blocks, actions = self.page.body()
        nav = Choices(tuple(Action("page", _(page.label), "primary" if page is self.page else "secondary",
                                   args=(("page", key),)) for key, page in self.pages.items()), columns=3)
        title = _("维护模式") + " · " + _(self.page.label)
        return View(f"technician.{self.page.key}", title, (nav, *blocks, *self.page.result), tuple(actions))
