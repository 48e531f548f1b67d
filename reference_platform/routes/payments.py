"""Payment routes. The platform prices every order from the catalogue fees and
its bills, and records at most one charge per order (UNIQUE in ``charges``), so a
resent or duplicated pay request can never charge twice. A bill is paid at most once
too: several open orders may hold the same bill (two kiosks, or a citizen who started
over), and settling one claims its bills in the charge's transaction; any other order
holding a bill already claimed is refused (409 ``order_not_payable``) without a charge.

Demo settlement: any well-formed WeChat (18 digits, 10-15...) or Alipay (16-24
digits, 25-30...) payment code pays, except codes ending in ``4444``, which the
"bank" declines (the order becomes ``failed``). Show-QR orders are settled by
``POST /demo/pay/{order_id}`` (see routes.demo).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request

from kiosk.platform.contract import (
    COUNTER_TTL_S,
    CancelOrderRequest,
    CreateOrderRequest,
    KioskCapability,
    Order,
    OrderItem,
    OrderStatus,
    PaymentMode,
    PayWithCodeRequest,
    RefundRequest,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.privacy import mask_payment_code
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import (
    CONFLICT,
    ERRORS,
    db,
    kiosk_id,
    now,
    person_for_token,
    service_or_404,
    short_code,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["payments"])
ORDER_TTL_S = 15 * 60
WECHAT_RE = re.compile(r"^1[0-5][0-9]{16}\Z")
ALIPAY_RE = re.compile(r"^(2[5-9]|30)[0-9]{14,22}\Z")
DECLINED_SUFFIX = "4444"
OPEN = (OrderStatus.CREATED.value, OrderStatus.PENDING.value)


def channel_of(code: str) -> str | None:
    if WECHAT_RE.match(code):
        return "wechat"
    if ALIPAY_RE.match(code):
        return "alipay"
    return None


def to_order(row: sqlite3.Row, base_url: str) -> Order:
    pay_url = None
    if row["mode"] == PaymentMode.SHOW_QR.value:
        pay_url = base_url.rstrip("/") + paths.fill(paths.DEMO_PAY, order_id=row["order_id"])

    def ts(v: float | None) -> datetime | None:
        return None if v is None else datetime.fromtimestamp(v, UTC)

    return Order(
        order_id=row["order_id"],
        service_code=row["service_code"],
        case_no=row["case_no"],
        items=[OrderItem.model_validate(i) for i in json.loads(row["items_json"])],
        amount_fen=row["amount_fen"],
        status=OrderStatus(row["status"]),
        mode=PaymentMode(row["mode"]),
        pay_url=pay_url,
        qr_text=pay_url,
        channel=row["channel"],
        receipt_code=row["receipt_code"],
        created_at=ts(row["created_at"]),
        expires_at=ts(row["expires_at"]),
        paid_at=ts(row["paid_at"]),
        refunded_at=ts(row["refunded_at"]),
    )


def load_order(request: Request, order_id: str, *, any_kiosk: bool = False) -> sqlite3.Row:
    """The order (expired on read when its time is up); 404 for another kiosk's order."""
    store = db(request)
    with store.tx() as c:
        c.execute(
            "UPDATE orders SET status = 'expired' WHERE order_id = ? AND status IN (?, ?) AND expires_at < ?",
            (order_id, *OPEN, now(request)),
        )
        row = c.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchone()
    if row is None or (not any_kiosk and row["kiosk_id"] != kiosk_id(request)):
        raise PlatformProblem(404, codes.NOT_FOUND, "no such order")
    return row


def settle(request: Request, order_id: str, channel: str, code_hash: str | None) -> None:
    """Record the one charge of an order and mark it and its bills paid, atomically.

    The payment code (``code_hash``) is spent in the same transaction, so a refusal
    leaves the citizen's code unused.
    """
    ts = now(request)
    with db(request).tx() as c:
        row = c.execute("SELECT * FROM orders WHERE order_id = ?", (order_id,)).fetchone()
        if row is None or row["status"] not in OPEN:
            raise PlatformProblem(409, codes.ORDER_NOT_PAYABLE, f"the order is {row['status'] if row else 'gone'}")
        for item in json.loads(row["items_json"]):
            claimed = c.execute(
                "UPDATE bills SET paid_order = ? WHERE ref = ? AND service_code = ? AND paid_order IS NULL",
                (order_id, item["ref"], row["service_code"]),
            ).rowcount
            if not claimed and c.execute(
                "SELECT 1 FROM bills WHERE ref = ? AND service_code = ?", (item["ref"], row["service_code"])
            ).fetchone():
                raise PlatformProblem(409, codes.ORDER_NOT_PAYABLE, f"{item['ref']} was paid by another order")
        if code_hash is not None:
            try:
                c.execute("INSERT INTO used_payment_codes (code_hash, used_at) VALUES (?, ?)", (code_hash, ts))
            except sqlite3.IntegrityError:
                raise PlatformProblem(409, codes.PAYMENT_CODE_USED, "payment codes are single-use") from None
        try:
            c.execute(
                "INSERT INTO charges (charge_id, order_id, channel, code_hash, amount_fen, charged_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                ("CH" + uuid.uuid4().hex[:16], order_id, channel, code_hash, row["amount_fen"], ts),
            )
        except sqlite3.IntegrityError:
            raise PlatformProblem(409, codes.ORDER_NOT_PAYABLE, "the order was already charged") from None
        c.execute(
            "UPDATE orders SET status = 'paid', channel = ?, paid_at = ?, receipt_code = ? WHERE order_id = ?",
            (channel, ts, "R" + short_code(9), order_id),
        )
    log.info("order %s paid via %s", order_id, channel)


def _price(request: Request, body: CreateOrderRequest) -> list[OrderItem]:
    service = service_or_404(request, body.service_code)
    if KioskCapability.PAY not in service.kiosk_capability:
        raise PlatformProblem(409, codes.CONFLICT, f"{service.code} cannot be paid at a kiosk")
    priced: list[OrderItem] = []
    seen: set[str] = set()
    for item in body.items:
        if item.ref in seen:
            raise PlatformProblem(422, codes.AMOUNT_MISMATCH, f"item {item.ref} appears twice")
        seen.add(item.ref)
        bill = db(request).one("SELECT * FROM bills WHERE ref = ?", (item.ref,))
        if bill is not None and bill["service_code"] == service.code:
            if bill["paid_order"] is not None:
                raise PlatformProblem(409, codes.CONFLICT, f"{item.ref} is already paid")
            if item.amount_fen != bill["amount_fen"] or item.quantity != 1:
                raise PlatformProblem(422, codes.AMOUNT_MISMATCH, f"{item.ref} costs {bill['amount_fen']} fen")
            priced.append(
                OrderItem(
                    ref=item.ref,
                    description=bill["description"],
                    description_en=bill["description_en"],
                    amount_fen=bill["amount_fen"],
                )
            )
            continue
        fee = next((f for i, f in enumerate(service.fees) if item.ref in (f"fee:{i}", f.name)), None)
        if fee is None:
            raise PlatformProblem(
                422, codes.AMOUNT_MISMATCH, f"{item.ref} is neither a fee of {service.code} nor a bill"
            )
        if item.amount_fen != fee.amount_fen:
            raise PlatformProblem(422, codes.AMOUNT_MISMATCH, f"{fee.name_en} costs {fee.amount_fen} fen")
        priced.append(
            OrderItem(
                ref=item.ref,
                description=fee.name,
                description_en=fee.name_en,
                amount_fen=fee.amount_fen,
                quantity=item.quantity,
            )
        )
    return priced


@router.post(paths.ORDERS, response_model=Order, status_code=201, responses={**ERRORS, **CONFLICT})
async def create_order(body: CreateOrderRequest, request: Request) -> Order:
    person_id = person_for_token(request, body.person_token) if body.person_token else None
    items = _price(request, body)
    ts = now(request)
    order_id = f"O{datetime.fromtimestamp(ts, UTC):%Y%m%d}{uuid.uuid4().hex[:10].upper()}"
    with db(request).tx() as c:
        c.execute(
            "INSERT INTO orders (order_id, kiosk_id, service_code, case_no, person_id, items_json, amount_fen,"
            " status, mode, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order_id,
                kiosk_id(request),
                body.service_code,
                body.case_no,
                person_id,
                json.dumps([i.model_dump() for i in items], ensure_ascii=False),
                sum(i.amount_fen * i.quantity for i in items),
                OrderStatus.CREATED.value if body.mode is PaymentMode.SCAN else OrderStatus.PENDING.value,
                body.mode.value,
                ts,
                ts + (COUNTER_TTL_S if body.mode is PaymentMode.COUNTER else ORDER_TTL_S),
            ),
        )
    return to_order(load_order(request, order_id), str(request.base_url))


@router.get(paths.ORDER, response_model=Order, responses=ERRORS)
def get_order(order_id: str, request: Request) -> Order:
    """Poll this while a show-QR order is pending, and to reconcile after a crash."""
    return to_order(load_order(request, order_id), str(request.base_url))


@router.post(paths.ORDER_PAY, response_model=Order, responses={**ERRORS, **CONFLICT})
def pay_with_code(order_id: str, body: PayWithCodeRequest, request: Request) -> Order:
    row = load_order(request, order_id)
    if row["status"] not in OPEN:
        raise PlatformProblem(409, codes.ORDER_NOT_PAYABLE, f"the order is {row['status']}")
    code = body.payment_code
    channel = channel_of(code)
    if channel is None:
        raise PlatformProblem(422, codes.PAYMENT_CODE_INVALID, "not a WeChat Pay or Alipay payment code")
    code_hash = hashlib.sha256(code.encode()).hexdigest()
    if code.endswith(DECLINED_SUFFIX):
        with db(request).tx() as c:
            try:
                c.execute(
                    "INSERT INTO used_payment_codes (code_hash, used_at) VALUES (?, ?)", (code_hash, now(request))
                )
            except sqlite3.IntegrityError:
                raise PlatformProblem(409, codes.PAYMENT_CODE_USED, "payment codes are single-use") from None
            c.execute(
                "UPDATE orders SET status = 'failed', channel = ? WHERE order_id = ? AND status IN (?, ?)",
                (channel, order_id, *OPEN),
            )
        log.info("order %s declined (code %s)", order_id, mask_payment_code(code))
    else:
        settle(request, order_id, channel, code_hash)
    return to_order(load_order(request, order_id), str(request.base_url))


@router.post(paths.ORDER_CANCEL, response_model=Order, responses={**ERRORS, **CONFLICT})
def cancel_order(order_id: str, request: Request, body: CancelOrderRequest | None = None) -> Order:
    row = load_order(request, order_id)
    if row["status"] in OPEN:
        with db(request).tx() as c:
            c.execute(
                "UPDATE orders SET status = 'cancelled' WHERE order_id = ? AND status IN (?, ?)", (order_id, *OPEN)
            )
    elif row["status"] != OrderStatus.CANCELLED.value:
        raise PlatformProblem(409, codes.CONFLICT, f"a {row['status']} order cannot be cancelled")
    return to_order(load_order(request, order_id), str(request.base_url))


@router.post(paths.ORDER_REFUND, response_model=Order, responses={**ERRORS, **CONFLICT})
def refund_order(order_id: str, body: RefundRequest, request: Request) -> Order:
    """The demo acquirer refunds at once: paid -> refunded."""
    row = load_order(request, order_id)
    if row["status"] == OrderStatus.PAID.value:
        ts = now(request)
        with db(request).tx() as c:
            c.execute("UPDATE orders SET status = 'refunded', refunded_at = ? WHERE order_id = ?", (ts, order_id))
            c.execute("UPDATE charges SET refunded_at = ? WHERE order_id = ?", (ts, order_id))
            c.execute("UPDATE bills SET paid_order = NULL WHERE paid_order = ?", (order_id,))
        log.info("order %s refunded: %s", order_id, body.reason[:80])
    elif row["status"] != OrderStatus.REFUNDED.value:
        raise PlatformProblem(409, codes.CONFLICT, f"a {row['status']} order cannot be refunded")
    return to_order(load_order(request, order_id), str(request.base_url))
