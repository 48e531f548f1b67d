"""Routes outside /v1, unsigned, for demos (``router``) and the public (``public_router``):

* ``GET/POST /demo/pay/{order_id}``: the "phone" side of a show-QR payment. The QR
  the kiosk shows encodes this URL; opening it shows a pay button, posting to it
  settles the order (once: paying a paid order changes nothing). Only show-QR orders, and
  counter orders (for which it stands in for the hall's counter): a scan-mode order is paid
  with the citizen's code. DEMO ONLY: the app adds this router
  only in demo mode, on loopback; a real platform settles through its acquirer's callback.
* ``GET /verify/{code}``: what the QR on a printed certificate points to (always there).
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kiosk.platform.contract import CertificateVerification, Order, OrderStatus, PaymentMode, paths
from kiosk.platform.contract import problem as codes
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import CONFLICT, ERRORS
from reference_platform.routes.certificates import verify
from reference_platform.routes.payments import OPEN, load_order, settle, to_order

router = APIRouter(tags=["demo"])
public_router = APIRouter(tags=["public"])


@router.post(paths.DEMO_PAY, response_model=Order, responses={**ERRORS, **CONFLICT})
def demo_pay(order_id: str, request: Request) -> Order:
    """Settle an order as if the citizen paid on the phone. Demo only, unsigned."""
    row = load_order(request, order_id, any_kiosk=True)
    if row["mode"] not in (PaymentMode.SHOW_QR.value, PaymentMode.COUNTER.value):
        raise PlatformProblem(404, codes.NOT_FOUND, "no such show-QR or counter order")
    if row["status"] in OPEN:
        settle(request, order_id, "demo", None)
    elif row["status"] != OrderStatus.PAID.value:
        raise PlatformProblem(409, codes.ORDER_NOT_PAYABLE, f"the order is {row['status']}")
    return to_order(load_order(request, order_id, any_kiosk=True), str(request.base_url))


@router.get(paths.DEMO_PAY, response_class=HTMLResponse, responses=ERRORS)
def demo_pay_page(order_id: str, request: Request) -> HTMLResponse:
    row = load_order(request, order_id, any_kiosk=True)
    action = html.escape(paths.fill(paths.DEMO_PAY, order_id=order_id))
    button = (
        f'<form method="post" action="{action}"><button>确认支付 Pay</button></form>'
        if row["status"] in OPEN
        else f"<p>{html.escape(row['status'])}</p>"
    )
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>演示支付 Demo payment</title>"
        f"<h1>演示支付 Demo payment</h1><p>订单 Order {html.escape(order_id)}: "
        f"¥{row['amount_fen'] / 100:.2f}</p>{button}"
    )


@public_router.get(paths.PUBLIC_VERIFY, response_model=CertificateVerification)
def public_verify(code: str, request: Request) -> CertificateVerification:
    """Public check of a printed certificate's code (JSON; browsers show it as is)."""
    return verify(request, code)
