"""The chaos citizen's hands: looking at the kiosk's screen and touching it, and the steps
every scripted visit shares (open a service from its guide, show an ID card, pay with a
scanned code, leave).

Presses go through ``VisitController.act`` the way a touch would, and cards and payment
codes go onto the emulated reader and scanner, so the real drivers, journeys, journal
and ledger do the work. ``phase`` lines tell the harness what the kiosk was doing when
it was killed; ``ack`` lines record what the citizen was *shown* as done.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from devtools.chaos.acks import LineLog
from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.platform.contract.payments import OrderStatus
from kiosk.runtime import HeadlessLoop, Runtime
from kiosk.views import Choices, Progress, View
from reference_platform.seed.persons import APP_TOKENS

log = logging.getLogger(__name__)

J = TypeVar("J")

APP_TRIES = 3
"""A citizen whose app code is refused (a fault on the way) shows it again, this many times in all."""
FACE_RATE = 0.1
"""Share of identifications by ID card and face check for citizens who also have the government app."""


class Stuck(Exception):
    """The screen the script waited for did not come; the visit is abandoned (walked away)."""


@dataclass
class ReprintTodo:
    """A paid print the citizen was shown as paid (or given a code for) but not as printed."""

    code: str
    person: str
    order_id: str


def _busy(view: View) -> bool:
    return any(isinstance(b, Progress) for b in view.blocks) and not view.actions


class Script:
    """One scripted citizen at one kiosk; the visits (``devtools.chaos.visits``) are made of its steps."""

    def __init__(self, runtime: Runtime, controller: Any, loop: HeadlessLoop, acks: LineLog, events: LineLog,
                 rng: random.Random, *, reprints: list[ReprintTodo] | None = None, decline_rate: float = 0.1,
                 paper_out_rate: float = 0.2, print_rate: float = 0.5, face_rate: float = FACE_RATE) -> None:
        self.rt, self.controller, self.loop = runtime, controller, loop
        self.acks, self.events, self.rng = acks, events, rng
        self.reprints = list(reprints or [])
        """Paid prints still owed to their citizens: the reprint visit's work list."""
        self.decline_rate, self.paper_out_rate, self.print_rate = decline_rate, paper_out_rate, print_rate
        self.face_rate = face_rate
        self._last_tick = time.monotonic()
        self.card_in: str | None = None

    # -- the UI thread -------------------------------------------------------------------
    def until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Run the headless UI loop (and the controller's one-second tick) until ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            self.loop.pump(0.02)
            now = time.monotonic()
            if now - self._last_tick >= 1.0:
                self._last_tick = now
                self.controller.tick(1.0)
            if predicate():
                return True
            if now >= deadline:
                return False

    def view(self) -> View:
        self.loop.pump()
        return self.controller.frame().view

    def wait(self, *screens: str, timeout: float = 20.0) -> str:
        """Until one of ``screens`` is up and idle; ``Stuck`` at once if the journey shows an error instead
        (a request failed for good: the citizen reads it and walks away rather than stare at it)."""
        failed: list[str] = []

        def there() -> bool:
            v = self.controller.frame().view
            if v.screen in screens and not _busy(v):
                return True
            journey = self.controller.current
            if journey is not None and getattr(journey, "error", "") and not getattr(journey, "busy", ""):
                failed.append(str(journey.error))
                return True
            return False

        if not self.until(there, timeout):
            v = self.view()
            raise Stuck(f"waited for {'/'.join(screens)}, on {v.screen!r} busy={_busy(v)}")
        if failed:
            raise Stuck(f"waited for {'/'.join(screens)}, shown an error on {self.view().screen!r}: {failed[0]}")
        return self.view().screen

    def actions(self) -> list:
        v = self.view()
        found = list(v.actions)
        for block in v.blocks:
            if isinstance(block, Choices):
                found.extend(block.items)
        return found

    def find(self, action_id: str, **args: str):
        for a in self.actions():
            if a.id == action_id and all(a.kwargs().get(k) == v for k, v in args.items()):
                return a
        return None

    def press(self, action_id: str, **args: str) -> None:
        a = self.find(action_id, **args)
        if a is None or not a.enabled:
            raise Stuck(f"no enabled {action_id!r} on {self.view().screen!r}")
        self.controller.act(a.id, **a.kwargs())
        self.loop.pump()

    def phase(self, name: str, **fields: Any) -> None:
        self.events.write("phase", p=name, **fields)

    def ack(self, kind: str, **fields: Any) -> None:
        self.acks.write(kind, **fields)

    # -- pieces of a visit ---------------------------------------------------------------
    def open_service(self, code: str, capability: str) -> Any:
        """Home -> the service's guide -> its button; returns the journey the button opened."""
        self.wait("home")
        home = self.controller.current
        service = home.service(code)
        if service is None:
            raise Stuck(f"service {code} is not in the catalogue")
        self.press("category", code=service.category)
        self.wait("home.category")
        self.press("service", code=code)
        self.wait("guide")
        guide = self.controller.current
        button = self.find(capability)
        if button is not None and button.enabled:
            self.press(capability)
        else:
            getattr(guide, f"on_{capability}")()  # greyed out for want of an A4 printer here
            self.loop.pump()
        opened = next((j for j in reversed(self.controller.stack) if j is not guide and j.name != "identify"), None)
        if self.controller.current is guide or opened is None:
            raise Stuck(f"the guide of {code} did not open {capability}: {guide.error}")
        if self.controller.current.name == "identify":
            opened = self.controller.current.then
        return opened

    def open_as(self, code: str, capability: str, journey: type[J], people: Sequence[str]) -> tuple[J, str]:
        """Open ``code``'s ``capability`` (a ``journey``) and show the ID card of one of ``people``; who it was."""
        opened = self.open_service(code, capability)
        assert isinstance(opened, journey)
        face = self.rng.random() < self.face_rate
        app_users = [p for p in people if p in APP_TOKENS]
        person = self.rng.choice(list(people) if face or not app_users else app_users)
        self.identify(person, face=face)
        return opened, person

    def start_visit(self) -> None:
        self.controller.act("start")  # waits for the settling of open orders, as a tap does
        if not self.until(lambda: self.controller.active, 60):
            raise Stuck("the attract screen did not start a visit")

    def identify(self, person: str, face: bool | None = None) -> None:
        """The ID card and the face check for ``face_rate`` of the visits (and for citizens without the
        government app), else the app's QR code on the scanner: the face check's models and head-turn
        challenge cost a second or more per visit and guard nothing the verdict judges."""
        self.wait("identify")
        token = APP_TOKENS.get(person)
        if face is None:
            face = self.rng.random() < self.face_rate
        if token is not None and not face:
            journey = self.controller.current
            for attempt in range(1, APP_TRIES + 1):
                journey.error = ""  # read: the citizen shows the code again
                self.rt.devices.emulators.scanner.scan(token)
                try:
                    self.wait("identify.confirmed", timeout=30)
                    break
                except Stuck:
                    if attempt == APP_TRIES:
                        raise
            self.press("continue")
            return
        emu = self.rt.devices.emulators.idreader
        reader = self.rt.devices.idreader
        if self.card_in is not None:
            emu.remove()
            self.until(lambda: not getattr(reader, "_card_present", False), 5)
        emu.insert(DEMO_CARDS[person])
        self.card_in = person
        self.wait("identify.confirmed", timeout=60)  # after the face check: the emulated camera shows the holder
        self.press("continue")

    def end_visit(self) -> None:
        if self.controller.active:
            if self.controller.current is not None and self.controller.current.name == "rate":
                self.controller.act("end")
            else:
                self.controller.end_visit("chaos: the citizen walked away")
        if self.card_in is not None:
            self.rt.devices.emulators.idreader.remove()
            self.card_in = None
            reader = self.rt.devices.idreader
            self.until(lambda: not getattr(reader, "_card_present", False), 5)
        self.until(lambda: not self.controller.active, 10)

    def payment_code(self, declined: bool = False) -> str:
        digits = "".join(str(self.rng.randrange(10)) for _ in range(12))
        tail = "4444" if declined else f"{self.rng.randrange(10_000):04d}"
        if not declined and tail == "4444":
            tail = "4445"
        return f"1{self.rng.randrange(6)}{digits}{tail}"  # WeChat Pay: 18 digits, 10-15...

    def pay_with_code(self, journey: Any, person: str, purpose: str, **extra: Any) -> bool:
        """From the payment summary: scan a code and wait for the answer; True when shown as paid."""
        self.wait("pay")
        self.press("scan_code")
        self.wait("pay.scan")
        declined = self.rng.random() < self.decline_rate
        order_id = journey.order.order_id if journey.order is not None else ""
        self.phase("pay", order_id=order_id)
        self.rt.devices.emulators.scanner.scan(self.payment_code(declined))
        self.wait("pay.result", timeout=60)  # an unknown outcome is checked for up to CHECK_GRACE_S
        order = journey.order
        if order is not None and order.status is OrderStatus.PAID:
            self.ack("paid", order_id=order.order_id, receipt_code=order.receipt_code or "", purpose=purpose,
                     person=person, **extra)
            self.phase("shown")
            return True
        self.phase("shown")
        return False

    def printer_ready(self) -> bool:
        return self.until(lambda: (a := self.find("print", printer="thermal")) is not None and a.enabled, 15)
