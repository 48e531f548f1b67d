"""The pay journey's open order: the watcher (countdown, polling, lost answers, abandonment),
the answer check after a payment code, and cancelling.

While an order is open (``qr``, ``scan``, ``checking``) a watcher step runs every
``TICK_S`` in the worker pool: the countdown on screen moves with it; an open show-QR
order, or an attempt whose answer was lost, is asked about every ``POLL_S``; and when
the citizen left the journey with the order open (home, timeout, walked away) the step
cancels it, which also fences off a late charge. Each step writes the platform's answer
into the ledger (``kiosk.services.reconcile``) before the journey shows it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kiosk.i18n import _
from kiosk.journeys.base import Journey
from kiosk.platform.contract.payments import Order, OrderStatus
from kiosk.services import reconcile
from kiosk.services.ledger import OPEN

log = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the order watcher wakes (the countdown on screen moves with it)."""
POLL_S = 2.0
"""How often an open show-QR order, or an attempt whose answer was lost, is asked about."""
WATCHED = frozenset({"qr", "scan", "checking"})
"""States in which the order is open and the watcher runs."""


@dataclass(frozen=True)
class _Step:
    """What one watcher step does after its sleep (decided on the UI thread)."""

    token: int
    delay: float
    fetch: bool
    cancel_if_open: bool


class OrderWatch(Journey):
    """The open order's life on screen; ``PayJourney`` holds the state it reads and writes."""

    order: Order | None
    deadline: float
    """time.monotonic() at which the open order expires."""
    attempted: bool
    note: str
    check_deadline: float
    offline: bool
    _watch_token: int
    _last_poll: float

    def goto(self, state: str) -> None:
        if state not in WATCHED or state != self.state:
            self._watch_token += 1  # stops the watcher of the state being left
        super().goto(state)

    def _check(self, order: Order, grace: float) -> None:
        self.order = order
        self.check_deadline = time.monotonic() + grace
        self.offline = False
        self.goto("checking")
        self._watch(first_delay=0.0)

    def _show(self, order: Order) -> None:
        """The platform's latest word on the open order (the ledger already has it)."""
        self.order = order
        if order.status in OPEN:
            return
        log.info("order %s is %s", order.order_id, order.status.value)
        self.goto("result")

    # -- cancelling -----------------------------------------------------------------------
    def on_cancel(self) -> None:
        if self.state not in ("qr", "scan") or self.order is None:
            return
        order_id = self.order.order_id
        client, ledger = self.rt.client, self.rt.ledger
        self.run(lambda: reconcile.cancel_order(client, ledger, order_id, "citizen_cancelled"), self._cancelled,
                 _("正在取消订单…"))

    def _cancelled(self, order: Order) -> None:
        self.order = order
        if order.status is OrderStatus.CANCELLED:
            self.note = _("订单已取消，未扣款")
            self.goto("pay")
        else:
            self._show(order)  # paid (or expired) before the cancel got there

    # -- the watcher: countdown, polling, lost answers, abandonment ---------------------------
    def _watch(self, first_delay: float | None = None) -> None:
        self._watch_token += 1
        self._last_poll = time.monotonic()
        self._schedule(TICK_S if first_delay is None else first_delay)

    def _schedule(self, delay: float) -> None:
        order = self.order
        if order is None or self.state not in WATCHED:
            return
        token = self._watch_token
        wake = time.monotonic() + delay
        if self.state == "checking":
            step = _Step(token, delay, True, wake >= self.check_deadline)
        else:  # qr: poll; scan: the platform is only asked once the order should have expired
            due = wake - self._last_poll >= POLL_S
            expired = wake >= self.deadline
            fetch = due and (self.state == "qr" or (expired and not self.attempted))
            step = _Step(token, delay, fetch, False)
        gen = self.ctx.generation
        order_id = order.order_id
        client, ledger = self.rt.client, self.rt.ledger

        def work() -> Order | None:
            if step.delay > 0:
                time.sleep(step.delay)
            if step.token != self._watch_token:
                return None  # stopped on purpose
            if gen != self.ctx.generation or self not in self.ctx.stack:
                # The citizen left with the order open: cancel it, which also fences off a late charge.
                reconcile.cancel_order(client, ledger, order_id, "citizen_left")
                return None
            if not step.fetch:
                return None
            fresh = client.order(order_id)
            reconcile.record_order(ledger, fresh)
            if step.cancel_if_open and fresh.status in OPEN:
                fresh = reconcile.cancel_order(client, ledger, order_id, "payment_outcome_unknown")
            return fresh

        def stepped(fresh: Order | None) -> None:
            if step.token != self._watch_token or self not in self.ctx.stack:
                return  # stopped, or the citizen left (the step cancelled the order)
            if step.fetch:
                self._last_poll = time.monotonic()
                self.offline = False
            if fresh is not None:
                self._show(fresh)
            if step.token == self._watch_token:
                self._schedule(POLL_S if self.state == "checking" else TICK_S)

        def failed(exc: BaseException) -> None:
            if step.token != self._watch_token or self not in self.ctx.stack:
                return
            log.warning("order %s: watcher step failed (%s)", order_id, type(exc).__name__)
            self._last_poll = time.monotonic()
            self.offline = True
            self._schedule(POLL_S)

        self.ctx.run(work, stepped, failed)
