"""``kiosk.services.reconcile``: the ledger follows the platform, and what a crash left open is settled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import DEMO_SECRET
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.payments import CreateOrderRequest, Order, OrderItem, OrderStatus, PaymentMode
from kiosk.platform.errors import NotFound, PlatformUnreachable
from kiosk.platform.transport import RetryPolicy
from kiosk.services.ledger import PaymentLedger
from kiosk.services.reconcile import record_order, settle_left_orders

server_mod = pytest.importorskip("reference_platform.server")

FEE_SERVICE = "440100-YBJ-0201"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    handle = server_mod.serve_in_thread(tmp_path_factory.mktemp("ref") / "platform.db", always_open=True)
    yield handle.url.rstrip("/")
    handle.stop()


@pytest.fixture
def client(platform: str, tmp_path: Path) -> Iterator[PlatformClient]:
    fast = RetryPolicy(attempts=2, backoff_s=0.01, max_backoff_s=0.02, deadline_s=5)
    with PlatformClient(platform, "demo-kiosk-001", DEMO_SECRET, cache_dir=tmp_path / "cache", retry=fast) as c:
        yield c


def order(status: OrderStatus, receipt: str | None = None, order_id: str = "O1") -> Order:
    """An order as the platform would describe it."""
    now = datetime.now(UTC)
    return Order(order_id=order_id, service_code=FEE_SERVICE, items=[OrderItem(ref="fee:0", amount_fen=1000)],
                 amount_fen=1000, status=status, mode=PaymentMode.SCAN, receipt_code=receipt,
                 created_at=now, expires_at=now + timedelta(minutes=5))


def test_orders_left_open_are_settled_before_the_next_citizen(client: PlatformClient, tmp_path: Path) -> None:
    ledger = PaymentLedger(tmp_path)
    placed = client.create_order(CreateOrderRequest(service_code=FEE_SERVICE,
                                                    items=[OrderItem(ref="fee:0", amount_fen=38000)]))
    record_order(ledger, placed)
    ledger.begin_attempt(placed.order_id)  # the kiosk crashed here, before sending the code
    assert settle_left_orders(client, ledger) == {"checked": 1, "cancelled": 1, "unreachable": 0}
    assert ledger.get(placed.order_id).state is OrderStatus.CANCELLED
    assert client.order(placed.order_id).status is OrderStatus.CANCELLED
    assert ledger.unsettled() == []


def test_a_reserved_attempt_is_not_undone_by_the_platform_still_saying_created(tmp_path: Path) -> None:
    ledger = PaymentLedger(tmp_path)
    record_order(ledger, order(OrderStatus.CREATED))
    ledger.begin_attempt("O1")
    record_order(ledger, order(OrderStatus.CREATED))  # the platform has not seen the attempt yet
    kept = ledger.get("O1")
    assert kept.state is OrderStatus.PENDING and kept.attempt_key


def test_a_paid_fee_is_delivered_and_a_paid_print_is_owed_until_printed(tmp_path: Path) -> None:
    ledger = PaymentLedger(tmp_path)
    record_order(ledger, order(OrderStatus.CREATED, order_id="FEE"))
    record_order(ledger, order(OrderStatus.PAID, "RFEE12345", order_id="FEE"))
    record_order(ledger, order(OrderStatus.CREATED, order_id="PRINT"), "print:C1")
    record_order(ledger, order(OrderStatus.PAID, "RPRINT1234", order_id="PRINT"))
    assert ledger.get("FEE").delivered
    owed = ledger.get("PRINT")
    assert owed.state is OrderStatus.PAID and not owed.delivered and owed.receipt_code == "RPRINT1234"
    assert [o.order_id for o in ledger.undelivered_paid()] == ["PRINT"]


class Unreachable:
    """A platform that never answers, or does not know the order."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def order(self, order_id: str) -> Order:
        raise self.error

    def cancel_order(self, order_id: str, reason: str) -> Order:
        raise AssertionError("nothing is cancelled without the platform's word on the order")


@pytest.mark.parametrize("error", [PlatformUnreachable(), NotFound()])
def test_an_order_the_platform_cannot_confirm_blocks_payments_and_stays_unsettled(
        tmp_path: Path, error: Exception) -> None:
    ledger = PaymentLedger(tmp_path)
    record_order(ledger, order(OrderStatus.CREATED))
    assert settle_left_orders(Unreachable(error), ledger) == {"checked": 1, "cancelled": 0, "unreachable": 1}
    assert [o.order_id for o in ledger.unsettled()] == ["O1"]
