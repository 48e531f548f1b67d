"""Payment orders (便民缴费): the platform prices the order; the kiosk either shows
a QR code the citizen pays on the phone (``show_qr``) or scans the citizen's
payment code (``scan``). Money is always an integer number of fen."""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import Field

from kiosk.platform.contract._base import ContractModel
from kiosk.platform.contract.types import Fen, Ident, PaymentCode, Quantity


class OrderStatus(enum.StrEnum):
    CREATED = "created"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


FINAL_STATUSES = frozenset({OrderStatus.FAILED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED})


class PaymentMode(enum.StrEnum):
    SHOW_QR = "show_qr"
    SCAN = "scan"
    COUNTER = "counter"
    """Paid later at a hall or bank counter from a printed slip (for citizens without a smartphone):
    the order stays open ``COUNTER_TTL_S`` and the kiosk never charges it."""


COUNTER_TTL_S = 3 * 24 * 3600
"""How long a pay-at-counter order stays payable (the platform's rule; the slip prints its end)."""


class OrderItem(ContractModel):
    ref: str = Field(min_length=1, max_length=64)
    """What is paid: a fee name of the service, a violation id, a case number."""
    description: str = ""
    description_en: str = ""
    amount_fen: Fen
    quantity: Quantity = 1


class CreateOrderRequest(ContractModel):
    service_code: Ident
    case_no: Ident | None = None
    person_token: str | None = None
    items: list[OrderItem] = Field(min_length=1, max_length=50)
    mode: PaymentMode = PaymentMode.SCAN


class Order(ContractModel):
    order_id: str
    service_code: str
    case_no: str | None = None
    items: list[OrderItem]
    amount_fen: Fen
    status: OrderStatus
    mode: PaymentMode
    pay_url: str | None = None
    """show_qr: the URL to pay on the phone."""
    qr_text: str | None = None
    """show_qr: the text to encode in the QR code (equals pay_url on the reference platform)."""
    channel: str | None = None
    """Set when paid: ``wechat``, ``alipay`` or ``demo``."""
    receipt_code: str | None = None
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    refunded_at: datetime | None = None


class PayWithCodeRequest(ContractModel):
    payment_code: PaymentCode
    """The single-use code from the citizen's phone; never log it in full."""


class CancelOrderRequest(ContractModel):
    reason: str = Field(default="", max_length=200)


class RefundRequest(ContractModel):
    reason: str = Field(min_length=1, max_length=200)
    """E.g. ``print_failed``: the paid service could not be delivered."""
