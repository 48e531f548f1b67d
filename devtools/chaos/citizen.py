"""The scripted citizen of a chaos worker: real visits through the visit controller.

Each visit presses what is on the screen the way a touch would (``VisitController.act``)
and puts cards and payment codes on the emulated reader and scanner, so the real drivers,
journeys, journal and ledger do the work. A service is opened from the home screen's
catalogue and its guide; the guide's button is pressed through its handler when the
button is greyed out only because the worker runs without an A4 printer (the emulated
camera is there: it presents the card holder's face for the face check; the guide's
other rule, no payment while an order is being settled, still applies).

Whatever the citizen is *shown* as done is appended to the acknowledgement file before
the script goes on: an application submitted (its idempotency key, the kiosk reference
and the case number when there is one), an order shown as paid, a slip shown as printed,
a reprint code shown after a failed print. ``phase`` lines tell the harness what the
kiosk was doing when it was killed.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from typing import Any

from devtools.chaos.acks import LineLog
from devtools.chaos.script import ReprintTodo, Script, Stuck
from devtools.chaos.visits import VISITS
from kiosk.runtime import HeadlessLoop, Runtime

log = logging.getLogger(__name__)

KINDS = ("apply", "pay", "print")


class Citizen(Script):
    """Visit after visit, of the ``kinds`` asked for; a reprint owed comes first half the time."""

    def __init__(self, runtime: Runtime, controller: Any, loop: HeadlessLoop, acks: LineLog, events: LineLog,
                 rng: random.Random, *, kinds: Iterable[str] = KINDS, reprints: list[ReprintTodo] | None = None,
                 decline_rate: float = 0.1, paper_out_rate: float = 0.2, print_rate: float = 0.5,
                 aim: Callable[[], str | None] = lambda: None) -> None:
        super().__init__(runtime, controller, loop, acks, events, rng, reprints=reprints, decline_rate=decline_rate,
                         paper_out_rate=paper_out_rate, print_rate=print_rate)
        self.kinds = tuple(kinds)
        self.aim = aim
        """The kind of visit the harness aims its next kill at, if any (``acks.take_next_visit``)."""

    def visit(self, n: int) -> str:
        """One visit; returns its kind. A visit that gets stuck is abandoned, never fatal."""
        kind = self.choose()
        self.events.write("visit", n=n, visit=kind)
        self.phase("browse", visit=kind)
        try:
            self.start_visit()
            VISITS[kind](self)
        except Stuck as exc:
            log.warning("chaos visit %d (%s) abandoned: %s", n, kind, exc)
            self.events.write("stuck", n=n, visit=kind, why=str(exc))
        finally:
            self.phase("leaving")
            self.end_visit()
            self.phase("idle")
        return kind

    def choose(self) -> str:
        """The kind the harness aims at (a reprint instead of a print half the time when one is owed),
        else a reprint owed half the time, else any kind payments allow."""
        first = self.aim()
        if first in self.kinds and not (first in ("pay", "print") and self.controller.payments_blocked):
            return "reprint" if first == "print" and self.reprints and self.rng.random() < 0.5 else first
        if self.reprints and "print" in self.kinds and self.rng.random() < 0.5:
            return "reprint"
        kinds = [k for k in self.kinds if not (k in ("pay", "print") and self.controller.payments_blocked)]
        return self.rng.choice(kinds or ["apply"])
