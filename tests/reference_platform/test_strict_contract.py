"""Lax input is refused with a specific 4xx problem, never taken for something else nor a 500."""

from __future__ import annotations

import json

import pytest
import requests

from kiosk.platform import signing
from kiosk.platform.contract import paths

from .helpers import Signed, assert_problem

FINE = "440100-YBJ-0201"


def _order(api: Signed, **item: object) -> requests.Response:
    return api.post(paths.ORDERS, {"service_code": FINE, "items": [{"ref": "fee:0", "amount_fen": 38000} | item]})


@pytest.mark.parametrize("amount", ["38000", 38000.0, True, 10**30, -1, None])
def test_money_is_a_bounded_json_integer(api, amount):
    body = assert_problem(_order(api, amount_fen=amount), 422, "validation")
    assert any(e["field"].endswith("amount_fen") for e in body["errors"])


def test_a_quantity_as_text_is_refused(api):
    assert_problem(_order(api, quantity="1"), 422, "validation")


@pytest.mark.parametrize("code", [
    "１３４５６７８９０１２３４５６７８９",
    "١٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩",
    "13456789012345678\u0669",
])
def test_payment_codes_are_ascii_digits(api, code):
    order = _order(api).json()
    r = api.post(paths.fill(paths.ORDER_PAY, order_id=order["order_id"]), {"payment_code": code})
    assert_problem(r, 422, "validation")


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+00:00", "1999-12-31T00:00:00Z"])
def test_instants_are_bounded(api, stamp):
    assert_problem(api.post(paths.HELP_CALLS, {"reason": "question", "requested_at": stamp}), 422, "validation")
    rating = {"service_code": "440100-ZW-0901", "level": "satisfied", "submitted_at": stamp}
    assert_problem(api.post(paths.RATINGS, rating), 422, "validation")


def test_a_birth_date_in_year_one_is_refused(api):
    card = {"id_number": "440106198503121536", "name": "张伟", "birth_date": "0001-01-01"}
    assert_problem(api.post(paths.IDENTITY_ID_CARD, card), 422, "validation")


def test_an_id_number_in_other_digits_is_refused(api):
    card = {"id_number": "４４０１０６１９８５０３１２１５３６", "name": "张伟"}
    assert_problem(api.post(paths.IDENTITY_ID_CARD, card), 422, "validation")


def test_an_integer_of_thousands_of_digits_is_a_malformed_body(api):
    huge = "9" * 5000
    data = f'{{"service_code": "{FINE}", "items": [{{"ref": "fee:0", "amount_fen": {huge}}}]}}'.encode()
    headers = {signing.HEADER_IDEMPOTENCY: "huge-int", "Content-Type": "application/json"}
    headers |= signing.sign(api.kiosk_id, api.secret, "POST", paths.ORDERS, data, headers=headers)
    r = requests.post(api.base + paths.ORDERS, data=data, headers=headers, timeout=10)
    assert_problem(r, 400, "malformed")


def test_json_that_is_not_json_is_a_4xx(api):
    data = b'{"reason": "question",'
    headers = {signing.HEADER_IDEMPOTENCY: "cut-json", "Content-Type": "application/json"}
    headers |= signing.sign(api.kiosk_id, api.secret, "POST", paths.HELP_CALLS, data, headers=headers)
    r = requests.post(api.base + paths.HELP_CALLS, data=data, headers=headers, timeout=10)
    assert 400 <= r.status_code < 500 and r.json()["code"] in ("validation", "malformed")
    assert json.loads(r.content)["citizen_message"]["en"]
