"""The scripted citizen of a chaos worker: real visits through the visit controller.

Each visit presses what is on the screen the way a touch would (``VisitController.act``)
and puts cards and payment codes on the emulated reader and scanner, so the real drivers,
journeys, journal and ledger do the work. A service is opened from the home screen's
catalogue and its guide; the guide's button is pressed through its handler when the
button is greyed out only because the worker runs without a camera or an A4 printer
(the guide's other rule, no payment while an order is being settled, still applies).

Whatever the citizen is *shown* as done is appended to the acknowledgement file before
the script goes on: an application submitted (its idempotency key, the kiosk reference
and the case number when there is one), an order shown as paid, a slip shown as printed,
a reprint code shown after a failed print. ``phase`` lines tell the harness what the
kiosk was doing when it was killed.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from devtools.chaos.acks import LineLog
from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.platform.contract.payments import OrderStatus
from kiosk.runtime import HeadlessLoop, Runtime
from kiosk.views import Choices, Progress, View

log = logging.getLogger(__name__)

CERT_SERVICE = "440100-ZW-0904"
"""电子证照打印: the certificate list, preview, pay the print fee, print."""
APPLY_SERVICE = "440100-RSJ-0103"
"""就业失业登记: one form, the ID card covers the first material, the second is optional."""
FEE_SERVICE = "440100-YBJ-0201"
"""城乡居民基本医疗保险缴费: a catalogue fee that can be paid any number of times."""
APPLICANTS = ("P001", "P002", "P003", "P005")
PAYERS = ("P001", "P002", "P003")
PRINT_CERT = "个人信用报告"
"""The certificate with a print fee (10.00 yuan), held by these citizens."""
PRINT_OWNERS = ("P002", "P004", "P006")

KINDS = ("apply", "pay", "print")


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


class Citizen:
    def __init__(self, runtime: Runtime, controller: Any, loop: HeadlessLoop, acks: LineLog, events: LineLog,
                 rng: random.Random, *, kinds: Iterable[str] = KINDS, reprints: list[ReprintTodo] | None = None,
                 decline_rate: float = 0.1, paper_out_rate: float = 0.2, print_rate: float = 0.5) -> None:
        self.rt, self.controller, self.loop = runtime, controller, loop
        self.acks, self.events, self.rng = acks, events, rng
        self.kinds = tuple(kinds)
        self.reprints = list(reprints or [])
        self.decline_rate, self.paper_out_rate, self.print_rate = decline_rate, paper_out_rate, print_rate
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
        def there() -> bool:
            v = self.controller.frame().view
            return v.screen in screens and not _busy(v)

        if not self.until(there, timeout):
            v = self.view()
            raise Stuck(f"waited for {'/'.join(screens)}, on {v.screen!r} busy={_busy(v)}")
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
            getattr(guide, f"on_{capability}")()  # greyed out for want of a camera / A4 printer here
            self.loop.pump()
        opened = next((j for j in reversed(self.controller.stack) if j is not guide and j.name != "identify"), None)
        if self.controller.current is guide or opened is None:
            raise Stuck(f"the guide of {code} did not open {capability}: {guide.error}")
        if self.controller.current.name == "identify":
            opened = self.controller.current.then
        return opened

    def start_visit(self) -> None:
        self.controller.act("start")  # waits for the settling of open orders, as a tap does
        if not self.until(lambda: self.controller.active, 60):
            raise Stuck("the attract screen did not start a visit")

    def identify(self, person: str) -> None:
        self.wait("identify")
        emu = self.rt.devices.emulators.idreader
        reader = self.rt.devices.idreader
        if self.card_in is not None:
            emu.remove()
            self.until(lambda: not getattr(reader, "_card_present", False), 5)
        emu.insert(DEMO_CARDS[person])
        self.card_in = person
        self.wait("identify.confirmed")
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

    # -- visits ----------------------------------------------------------------------------
    def visit(self, n: int) -> str:
        """One visit; returns its kind. A visit that gets stuck is abandoned, never fatal."""
        kind = self.choose()
        self.events.write("visit", n=n, visit=kind)
        self.phase("browse", visit=kind)
        try:
            self.start_visit()
            getattr(self, f"_{kind}")()
        except Stuck as exc:
            log.warning("chaos visit %d (%s) abandoned: %s", n, kind, exc)
            self.events.write("stuck", n=n, visit=kind, why=str(exc))
        finally:
            self.phase("leaving")
            self.end_visit()
            self.phase("idle")
        return kind

    def choose(self) -> str:
        if self.reprints and "print" in self.kinds and self.rng.random() < 0.5:
            return "reprint"
        kinds = [k for k in self.kinds if not (k in ("pay", "print") and self.controller.payments_blocked)]
        return self.rng.choice(kinds or ["apply"])

    def _apply(self) -> None:
        from kiosk.journeys.apply import ApplyJourney

        journey = self.open_service(APPLY_SERVICE, "apply")
        assert isinstance(journey, ApplyJourney)
        self.identify(self.rng.choice(APPLICANTS))
        self.wait("apply.form")
        self.controller.act("field", name="status", value=self.rng.choice(["失业登记", "就业登记"]))
        # every application differs, so "same content twice" on the platform means a duplicate
        self.controller.act("field", name="last_employer", value=f"chaos-{uuid.uuid4().hex[:12]}")
        self.press("next")
        while self.wait("apply.materials", "apply.review") == "apply.materials":
            self.press("skip")
        self.phase("submit", key=journey.key)
        self.press("submit")
        screen = self.wait("apply.receipt", "apply.rejected", timeout=30)
        res = journey.result
        if screen == "apply.receipt" and res is not None:
            self.ack("application", key=journey.key, kiosk_ref=res.kiosk_ref, case_no=res.case_no,
                     state=res.state)
        else:
            self.events.write("rejected", key=journey.key)
        self.phase("shown")
        if screen == "apply.receipt" and self.rng.random() < self.print_rate:
            self.phase("print", what="application_receipt")
            self.press("print")
            if not self.until(lambda: journey.printed is not None and not journey.busy, 30):
                raise Stuck("the application receipt did not print")
            if journey.printed is not None and journey.printed.ok:
                self.ack("printed", what="application_receipt", key=journey.key)
            self.phase("shown")
        self.press("done")
        self.wait("rate")

    def _pay_with_code(self, journey: Any, person: str, purpose: str, **extra: Any) -> bool:
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

    def _pay(self) -> None:
        from kiosk.journeys.pay import PayJourney

        journey = self.open_service(FEE_SERVICE, "pay")
        assert isinstance(journey, PayJourney)
        person = self.rng.choice(PAYERS)
        self.identify(person)
        if not self._pay_with_code(journey, person, "fee"):
            return
        if self.rng.random() < self.print_rate:
            self.phase("print", what="payment_receipt")
            self.press("print")
            if not self.until(lambda: journey.printed is not None and not journey.busy, 30):
                raise Stuck("the payment receipt did not print")
            if journey.printed is not None and journey.printed.ok:
                self.ack("printed", what="payment_receipt", order_id=journey.order.order_id)
            self.phase("shown")
        self.press("done")
        self.wait("rate")

    def _printer_ready(self) -> bool:
        return self.until(lambda: (a := self.find("print", printer="thermal")) is not None and a.enabled, 15)

    def _print(self) -> None:
        from kiosk.journeys.certificates import CertificatesJourney
        from kiosk.journeys.pay import PayJourney

        journey = self.open_service(CERT_SERVICE, "print")
        assert isinstance(journey, CertificatesJourney)
        person = self.rng.choice(PRINT_OWNERS)
        self.identify(person)
        self.wait("certificates")
        cert = next((a for a in self.actions() if a.id == "cert" and PRINT_CERT in a.label), None)
        if cert is None:
            raise Stuck(f"{person} has no {PRINT_CERT}")
        self.press("cert", cert_id=cert.kwargs()["cert_id"])
        self.wait("certificates.preview")
        if not self._printer_ready():
            raise Stuck("the receipt printer never read ready")
        emu = self.rt.devices.emulators.printer
        paper_out = self.rng.random() < self.paper_out_rate
        if paper_out:
            emu.set_status("out", after_bytes=self.rng.randrange(1000, 6000))  # runs out mid-certificate
        try:
            self.press("print", printer="thermal")  # "pay and print"
            self.wait("pay")
            pay = self.controller.current
            assert isinstance(pay, PayJourney)
            if not self._pay_with_code(pay, person, "print", cert_id=cert.kwargs()["cert_id"]):
                return
            order = pay.order
            self.phase("print", what="certificate", order_id=order.order_id)
            self.press("done")  # back to the certificate, which prints now
            self.wait("certificates.result", timeout=60)
            result = journey.result
            if result is not None and result.ok and not result.pending:
                self.ack("printed", what="certificate", order_id=order.order_id)
            elif result is not None:
                self.ack("reprint_code", code=result.job.code, order_id=order.order_id, person=person)
                self.reprints.append(ReprintTodo(result.job.code, person, order.order_id))
            self.phase("shown")
        finally:
            if paper_out:
                emu.set_status("ok")
                self.rt.pool.submit(self.rt.devices.printer.status)

    def _reprint(self) -> None:
        from kiosk.journeys.certificates import ReprintJourney

        todo = self.reprints.pop(self.rng.randrange(len(self.reprints)))
        journey = ReprintJourney(self.controller, todo.code)
        self.controller.open(journey)
        screen = self.wait("reprint.identify", "reprint", "reprint.result")
        if screen == "reprint":  # the code was not found
            self.events.write("reprint_refused", code=todo.code, order_id=todo.order_id)
            return
        if screen == "reprint.identify":
            self.press("identify")
            self.identify(todo.person)
            self.wait("reprint.confirm")
            if not self._printer_ready():
                raise Stuck("the receipt printer never read ready")
            self.phase("print", what="reprint", order_id=todo.order_id)
            self.press("print", printer="thermal")
            self.wait("reprint.result", timeout=60)
        result = journey.result
        if result is not None and result.ok and not result.pending:
            self.ack("printed", what="reprint", order_id=todo.order_id, code=todo.code)
        else:
            self.reprints.append(todo)  # still reprintable; another citizen visit will try
        self.phase("shown")


def reprints_from_acks(records: Iterable[dict]) -> list[ReprintTodo]:
    """Paid prints the citizens were shown as paid (or given a code for) but never as printed."""
    todo: dict[str, ReprintTodo] = {}
    printed: set[str] = set()
    for r in records:
        if r.get("kind") == "paid" and r.get("purpose") == "print" and r.get("receipt_code"):
            todo.setdefault(r["order_id"], ReprintTodo(r["receipt_code"], r["person"], r["order_id"]))
        elif r.get("kind") == "reprint_code" and r.get("order_id"):
            todo[r["order_id"]] = ReprintTodo(r["code"], r["person"], r["order_id"])
        elif r.get("kind") == "printed" and r.get("order_id"):
            printed.add(r["order_id"])
    return [t for oid, t in todo.items() if oid not in printed]
