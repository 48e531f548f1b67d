"""Payment orders as a journaled state machine, so one order is never charged twice.

The kiosk records an order and every state it reaches on disk (fsynced) before it
acts on it. A payment attempt is written down with its idempotency key *before* the
payment code is sent, and the code itself is never stored. After a crash every order
not in a final state is reconciled by asking the platform what happened, before the
kiosk takes the next citizen (``kiosk.services.reconcile.settle_left_orders``); a
new charge is never attempted for an order that has an attempt on record.

An order may pay for something the kiosk still has to deliver (``purpose`` names it,
e.g. ``print:<cert_id>`` for a certificate's print fee). Such an order is not
``delivered`` when it is paid, only when the print came out; until then the ledger
keeps the platform's receipt code with it (written in the same transaction as
``paid``), so the print stays completable by that code after any crash — or is
refunded, as the platform decides. An order whose payment is the service (a fee, a
bill) is delivered when paid.

The ledger's states are the platform's order statuses (``OrderStatus`` of the contract):
the ledger only ever records what the platform said, or the one thing the kiosk decides
itself, reserving the payment attempt (``pending``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kiosk.platform.contract.payments import OrderStatus
from kiosk.services.store import open_store

log = logging.getLogger(__name__)

S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.PENDING, S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PENDING: frozenset({S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.REFUND_PENDING, S.REFUNDED}),
    S.REFUND_PENDING: frozenset({S.REFUNDED, S.PAID}),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REFUNDED: frozenset(),
}
UNSETTLED = frozenset({S.CREATED, S.PENDING, S.REFUND_PENDING})
"""States whose truth lives on the platform: reconciled after a crash."""
OPEN = frozenset({S.CREATED, S.PENDING})
"""Not paid and not over: the citizen can still pay (or the order must be cancelled)."""


class IllegalTransition(Exception):
    pass


@dataclass(frozen=True)
class Order:
    order_id: str
    service_code: str
    amount_fen: int
    state: OrderStatus
    receipt_code: str
    attempt_key: str | None
    """Idempotency key of the one payment attempt made, if any."""
    delivered: bool
    purpose: str = ""
    """What the payment buys that the kiosk must still deliver (``print:<cert_id>``); empty: paying is it."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY,
    service_code TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    state TEXT NOT NULL,
    receipt_code TEXT NOT NULL,
    attempt_key TEXT,
    delivered INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    purpose TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS order_events (
    order_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at REAL NOT NULL
);
"""


class PaymentLedger:
    def __init__(self, directory: str | Path) -> None:
        self._lock = threading.Lock()
        self._db = open_store(Path(directory) / "payments.db")
        self._db.executescript(_SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(orders)")}
        if "purpose" not in columns:  # a ledger from before purposes were recorded
            self._db.execute("ALTER TABLE orders ADD COLUMN purpose TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _row(self, order_id: str) -> Order | None:
        row = self._db.execute(
            "SELECT order_id, service_code, amount_fen, state, receipt_code, attempt_key, delivered, purpose"
            " FROM orders WHERE order_id = ?", (order_id,),
        ).fetchone()
        if row is None:
            return None
        return Order(row[0], row[1], row[2], OrderStatus(row[3]), row[4], row[5], bool(row[6]), row[7])

    def get(self, order_id: str) -> Order | None:
        with self._lock:
            return self._row(order_id)

    def record(self, order_id: str, service_code: str, amount_fen: int, receipt_code: str,
               state: OrderStatus = S.CREATED, purpose: str = "") -> Order:
        """Remember an order the platform created; recording it again changes nothing."""
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO orders (order_id, service_code, amount_fen, state, receipt_code,"
                " updated_at, purpose) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (order_id, service_code, amount_fen, state.value, receipt_code, time.time(), purpose),
            )
            order = self._row(order_id)
        assert order is not None
        return order

    def begin_attempt(self, order_id: str) -> str:
        """Reserve the order's single payment attempt; returns the idempotency key to send.

        Raises ``IllegalTransition`` when an attempt already exists: the caller must
        reconcile (ask the platform), never charge again.
        """
        key = str(uuid.uuid4())
        with self._lock, self._db:  # the attempt and its event in one transaction: a power cut keeps both or neither
            self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.execute(
                "UPDATE orders SET attempt_key = ?, state = ?, updated_at = ?"
                " WHERE order_id = ? AND attempt_key IS NULL AND state IN ('created', 'pending')",
                (key, S.PENDING.value, time.time(), order_id),
            )
            if cur.rowcount != 1:
                order = self._row(order_id)
                raise IllegalTransition(
                    f"order {order_id} cannot take a payment attempt "
                    f"(state {order.state.value if order else 'unknown'}, attempt on record)"
                )
            self._db.execute("INSERT INTO order_events VALUES (?, ?, ?)", (order_id, S.PENDING.value, time.time()))
        return key

    def move(self, order_id: str, new: OrderStatus, receipt_code: str | None = None) -> Order:
        """Record the order's new state (and the receipt code it came with) in one transaction."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            order = self._row(order_id)
            if order is None:
                raise KeyError(order_id)
            if new == order.state and not receipt_code:
                return order
            if new != order.state and new not in TRANSITIONS[order.state]:
                raise IllegalTransition(f"order {order_id}: {order.state.value} -> {new.value} is not allowed")
            self._db.execute("UPDATE orders SET state = ?, receipt_code = COALESCE(?, receipt_code), updated_at = ?"
                             " WHERE order_id = ?", (new.value, receipt_code or None, time.time(), order_id))
            if new != order.state:
                self._db.execute("INSERT INTO order_events VALUES (?, ?, ?)", (order_id, new.value, time.time()))
            result = self._row(order_id)
        assert result is not None
        return result

    def mark_delivered(self, order_id: str) -> None:
        with self._lock:
            self._db.execute("UPDATE orders SET delivered = 1 WHERE order_id = ?", (order_id,))

    def unsettled(self) -> list[Order]:
        with self._lock:
            ids = [r[0] for r in self._db.execute(
                "SELECT order_id FROM orders WHERE state IN (?, ?, ?)", tuple(s.value for s in UNSETTLED)
            )]
            return [o for o in (self._row(i) for i in ids) if o is not None]

    def undelivered_paid(self) -> list[Order]:
        """Paid orders whose service the citizen did not get: reprintable by receipt code or refunded."""
        with self._lock:
            ids = [r[0] for r in self._db.execute(
                "SELECT order_id FROM orders WHERE state = 'paid' AND delivered = 0"
            )]
            return [o for o in (self._row(i) for i in ids) if o is not None]

    def by_receipt(self, receipt_code: str) -> Order | None:
        with self._lock:
            row = self._db.execute("SELECT order_id FROM orders WHERE receipt_code = ?", (receipt_code,)).fetchone()
            return self._row(row[0]) if row else None

    def paid_undelivered(self, receipt_code: str, purpose_prefix: str) -> Order | None:
        """The paid order with this receipt code whose ``purpose`` (e.g. a print) is still owed."""
        order = self.by_receipt(receipt_code)
        if (order is None or order.state is not S.PAID or order.delivered
                or not order.purpose.startswith(purpose_prefix)):
            return None
        return order
