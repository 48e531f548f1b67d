"""Keeping the payment ledger in line with the platform: record, cancel, settle what a crash left.

The platform is the truth about an order; the ledger (``kiosk.services.ledger``) is
the kiosk's durable memory of it. ``record_order`` writes what the platform said, in the
worker, as soon as it said it, so the ledger holds the truth even when the visit ends
before the answer is shown. ``cancel_order`` closes an order the citizen left, which also
fences off a charge still in flight: the platform cancels atomically against a late
charge. ``settle_left_orders`` does both for every order a crash or an abandoned visit
left unsettled, and is meant to run before the kiosk takes the next citizen.
"""

from __future__ import annotations

import logging

from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.payments import Order, OrderStatus
from kiosk.platform.errors import Conflict, NotFound, PlatformError
from kiosk.services.ledger import OPEN, IllegalTransition, PaymentLedger

log = logging.getLogger(__name__)


def record_order(ledger: PaymentLedger, order: Order, purpose: str = "") -> None:
    """Write what the platform says about ``order`` into the ledger (worker thread).

    Created and pending are both "open": a ledger that already holds ``pending`` (an
    attempt was reserved) is not moved back to ``created`` when the platform has not
    seen the attempt yet. ``purpose`` is recorded with a new order: what the payment
    buys that the kiosk still has to deliver (``print:<cert_id>``). Such an order is
    not delivered when paid; its receipt code is written with ``paid`` (one
    transaction), so whatever happens next the print stays completable by that code.
    """
    truth = order.status
    kept = ledger.get(order.order_id)
    if kept is None:
        kept = ledger.record(order.order_id, order.service_code, order.amount_fen,
                             order.receipt_code or order.order_id, truth, purpose)
    receipt = order.receipt_code if truth is OrderStatus.PAID and order.receipt_code != kept.receipt_code else None
    if (truth != kept.state and not (truth in OPEN and kept.state is OrderStatus.PENDING)) or receipt:
        try:
            kept = ledger.move(order.order_id, truth, receipt)
        except IllegalTransition:
            log.error("order %s: platform says %s, the ledger has %s", order.order_id, truth.value,
                      kept.state.value)
    if truth is OrderStatus.PAID and not kept.delivered and not kept.purpose:
        ledger.mark_delivered(order.order_id)  # paying is the service here


def cancel_order(client: PlatformClient, ledger: PaymentLedger, order_id: str, reason: str) -> Order:
    """Cancel an open order and return what it really is now (paid if a charge got there first)."""
    try:
        order = client.cancel_order(order_id, reason)
    except Conflict:
        order = client.order(order_id)  # paid, failed or expired: the platform says which
    record_order(ledger, order)
    log.info("order %s cancelled (%s): now %s", order_id, reason, order.status.value)
    return order


def settle_left_orders(client: PlatformClient, ledger: PaymentLedger) -> dict[str, int]:
    """Bring every unsettled ledger order in line with the platform; cancel those still open.

    Meant to run before the kiosk takes a new citizen (after a crash, or after a visit
    that ended with an order open): the citizen who owned an open order is gone, so it
    is cancelled, which also fences off a charge still in flight. Returns counts; the
    kiosk should not take a new citizen while ``unreachable`` is not 0.
    """
    counts = {"checked": 0, "cancelled": 0, "unreachable": 0}
    for kept in ledger.unsettled():
        counts["checked"] += 1
        try:
            order = client.order(kept.order_id)
            record_order(ledger, order)
            if order.status in OPEN:
                cancel_order(client, ledger, kept.order_id, "kiosk_left")
                counts["cancelled"] += 1
        except NotFound:
            log.error("order %s is unknown to the platform; left for the technician", kept.order_id)
            counts["unreachable"] += 1
        except PlatformError as exc:
            log.warning("order %s: platform not reachable (%s)", kept.order_id, exc.code)
            counts["unreachable"] += 1
    return counts
