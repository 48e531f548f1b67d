"""Orders before the next citizen: every order the ledger does not hold as final is settled.

A crash or a visit that ended mid-payment can leave an order created, pending or paid
but not delivered. Before the next citizen may start, each is settled with the platform
(invariant 2, docs/durability.md) in the worker pool. While one cannot be settled (the
platform is unreachable) new payments are refused and settling is tried again every
``RETRY_S`` seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk.bus import PaymentsPaused
from kiosk.runtime import Runtime
from kiosk.services import reconcile

log = logging.getLogger(__name__)

RETRY_S = 30.0


class OrderSettler:
    """Settles the ledger's open orders off the UI thread; ``done`` runs on the UI thread after each pass."""

    def __init__(self, rt: Runtime, done: Callable[[], None]) -> None:
        self.rt = rt
        self._done = done
        self.settling = False
        """A pass is running: a tap on the attract screen waits for it."""
        self._blocked = False
        self._last = 0.0

    @property
    def blocked(self) -> bool:
        """Some order could not be settled (platform unreachable): no new payment until it is."""
        return self._blocked

    @blocked.setter
    def blocked(self, value: bool) -> None:
        if value != self._blocked:
            self._blocked = value
            self.rt.bus.publish(PaymentsPaused(value))  # the metrics and the fleet see the pause too

    def settle(self) -> None:
        """Start a pass unless one runs or nothing is open (then payments are allowed at once)."""
        ledger = self.rt.ledger
        if self.settling or ledger is None or not ledger.unsettled():
            self.blocked = False
            return
        self.settling = True
        self._last = time.monotonic()
        client = self.rt.client

        def done(counts: dict[str, int]) -> None:
            self.settling = False
            self.blocked = counts.get("unreachable", 0) > 0
            log.info("orders settled before the next citizen: %s", counts)
            self._done()

        def failed(exc: BaseException) -> None:
            self.settling = False
            self.blocked = True
            log.warning("settling orders failed: %s", type(exc).__name__)
            self._done()

        # Looked up on the module at call time: the chaos harness replaces it to prove it is needed.
        self.rt.submit(lambda: reconcile.settle_left_orders(client, ledger), done, failed)

    def retry_due(self) -> bool:
        """Blocked, idle, and the last pass is ``RETRY_S`` old: time for another."""
        return self.blocked and not self.settling and time.monotonic() - self._last > RETRY_S
