"""The visit summary: what a hall manager's figures need of a visit, and nothing about the citizen.

The controller tells it when a visit begins and ends and shows it the journey stack at
every change; it records, for each journey the citizen opened (``home``, ``guide``, the
goodbye and rating screens and technician mode are not services), the service, the last
step reached (the journey's ``state``), whether it completed and how long it took. A
journey completes when it finishes with ``Outcome.DONE``, hands over to the service it
gated (identify), or has delivered something (``Journey.delivered``) when the citizen
leaves it; otherwise it is abandoned at its last step. Slips and A4 prints are counted
from the printers' own ``PrintJobFinished`` events during the visit; payments and queue
tickets from what the journeys report (``Journey.tally``).

At the end the summary is journaled (``visit_summary``) and the outbox sends it to
``POST /v1/visit-summaries`` like an application, keyed by its random visit id, so an
offline day still counts and a resend counts once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from drivers.printer.events import PrintJobFinished
from kiosk.journeys.base import Journey
from kiosk.ops.metrics import visit_outcome
from kiosk.platform.contract.summaries import ServiceUse, VisitSummary

log = logging.getLogger(__name__)

NOT_SERVICES = frozenset({"home", "guide", "goodbye", "rate", "technician"})
A4_DEVICE = "a4printer"
MAX_USES = 50
_STEP_CHARS = re.compile(r"[^A-Za-z0-9._:-]")
_TALLIES = ("payments", "payments_fen", "queue_tickets")


def step_name(journey: Journey) -> str:
    return _STEP_CHARS.sub("_", f"{journey.name}.{journey.state}")[:64]


@dataclass
class _Use:
    journey: Journey | None
    """Held only until the journey leaves the stack; then its outcome is read and the reference dropped."""
    name: str
    service_code: str | None
    opened: float
    last_step: str
    last_seen: float
    completed: bool | None = None
    tally: dict[str, int] = field(default_factory=dict)


class VisitSummaries:
    """Builds one ``VisitSummary`` per visit (UI thread; print events arrive on driver threads)."""

    def __init__(self, rt: Any, clock: Any = time.monotonic) -> None:
        self.rt = rt
        self.clock = clock
        self._lock = threading.Lock()
        self._uses: list[_Use] = []
        self._pages = {"thermal": 0, "a4": 0}
        self._started_at: dt.datetime | None = None
        self._visit_id = ""

    # -- the visit -----------------------------------------------------------------------------
    def begin(self) -> None:
        with self._lock:
            self._uses = []
            self._pages = {"thermal": 0, "a4": 0}
            self._started_at = dt.datetime.now(dt.UTC)
            self._visit_id = uuid.uuid4().hex

    def on_print(self, event: object) -> None:
        """A printer finished a job (driver thread): a slip or an A4 print that came out counts."""
        if not isinstance(event, PrintJobFinished) or not event.ok:
            return
        with self._lock:
            if self._started_at is not None:
                self._pages["a4" if event.device == A4_DEVICE else "thermal"] += 1

    def seen(self, stack: list[Journey]) -> None:
        """The stack after a change: new journeys are opened, the current one's step noted, departed ones closed."""
        if self._started_at is None:
            return
        now = self.clock()
        open_now = {id(j) for j in stack}
        for use in self._uses:
            if use.journey is not None and id(use.journey) not in open_now:
                self._close(use)
        known = {id(u.journey) for u in self._uses if u.journey is not None}
        for journey in stack:
            if journey.name not in NOT_SERVICES and id(journey) not in known and len(self._uses) < MAX_USES:
                service = getattr(journey, "service", None)
                self._uses.append(_Use(journey, journey.name, getattr(service, "code", None), now,
                                       step_name(journey), now))
        current = stack[-1] if stack else None
        for use in self._uses:
            if use.journey is not None and use.journey is current:
                use.last_step, use.last_seen = step_name(current), now

    def finished(self, journey: Journey, completed: bool) -> None:
        """``journey`` finished (or handed over) with this result; read before it leaves the stack."""
        for use in self._uses:
            if use.journey is journey:
                use.completed = completed
                use.last_seen = self.clock()
                self._close(use)

    def close_all(self) -> None:
        """The stack is about to be cleared (goodbye, end of visit): every open journey is closed as it is."""
        for use in self._uses:
            if use.journey is not None:
                self._close(use)

    def _close(self, use: _Use) -> None:
        journey = use.journey
        if journey is None:
            return
        if use.completed is None:
            try:
                use.completed = journey.delivered() is not None
            except Exception:  # a journey's own bookkeeping must not lose the summary
                log.exception("journey %s: delivered() failed", use.name)
                use.completed = False
        try:
            use.tally = {k: int(v) for k, v in journey.tally().items() if k in _TALLIES}
        except Exception:
            log.exception("journey %s: tally() failed", use.name)
        use.journey = None

    def end(self, reason: str, language: str, elder: bool) -> VisitSummary | None:
        """The visit ended: the summary, journaled for the platform (None when no visit was open)."""
        self.close_all()
        with self._lock:
            started, self._started_at = self._started_at, None
            pages = dict(self._pages)
        if started is None:
            return None
        totals = dict.fromkeys(_TALLIES, 0)
        for use in self._uses:
            for key, value in use.tally.items():
                totals[key] += value
        summary = VisitSummary(
            visit_id=self._visit_id, started_at=started, ended_at=max(started, dt.datetime.now(dt.UTC)),
            language=language, elder_mode=elder, outcome=visit_outcome(reason),
            services=[ServiceUse(service_code=u.service_code, journey=u.name, last_step=u.last_step,
                                 completed=bool(u.completed), abandoned_at=None if u.completed else u.last_step,
                                 duration_s=round(max(0.0, u.last_seen - u.opened), 1)) for u in self._uses],
            pages_thermal=pages["thermal"], pages_a4=pages["a4"], **totals)
        self._uses = []
        self._journal(summary)
        return summary

    def _journal(self, summary: VisitSummary) -> None:
        journal, sender = self.rt.journal, self.rt.sender
        if journal is None:
            return

        def write() -> None:
            try:
                journal.enqueue("visit_summary", summary.model_dump(mode="json"),
                                idempotency_key="visit-" + summary.visit_id)
            except Exception as exc:  # the figures lose one visit; the citizen loses nothing
                log.warning("visit summary not journaled: %s", type(exc).__name__)
                return
            if sender is not None:
                sender.kick()

        try:
            self.rt.pool.submit(write)
        except RuntimeError:  # the kiosk is stopping and its pool is closed: write it here
            write()
