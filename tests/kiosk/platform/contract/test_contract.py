"""The shared contract models: validation rules both sides rely on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kiosk.platform.contract import (
    ApplicationRequest,
    Catalog,
    CheckInRequest,
    MaterialAttachment,
    Order,
    PayWithCodeRequest,
    Problem,
    RatingRequest,
    paths,
)
from reference_platform.catalog_data import CATEGORIES, SERVICES


def test_paths_are_v1_and_fill_quotes_segments():
    assert paths.fill(paths.ORDER_PAY, order_id="a/b c") == "/v1/orders/a%2Fb%20c/pay"
    v1 = [v for k, v in vars(paths).items() if k.isupper() and isinstance(v, str) and v.startswith("/v1")]
    assert len(v1) > 25


def test_bad_rating_needs_reason_and_contact():
    RatingRequest(service_code="s", level="satisfied")
    with pytest.raises(ValidationError):
        RatingRequest(service_code="s", level="very_dissatisfied", reasons=["slow"])
    with pytest.raises(ValidationError):
        RatingRequest(service_code="s", level="dissatisfied", contact="13800001111")
    with pytest.raises(ValidationError):
        RatingRequest(service_code="s", level="satisfied", reasons=["no-such-reason"])
    RatingRequest(service_code="s", level="dissatisfied", text="太慢", contact="13800001111")


def test_material_needs_data_or_digest():
    with pytest.raises(ValidationError):
        MaterialAttachment(name="x")
    MaterialAttachment(name="x", sha256="a" * 64)
    with pytest.raises(ValidationError):
        MaterialAttachment(name="x", sha256="not-hex")
    with pytest.raises(ValidationError):
        CheckInRequest()


def test_payment_code_shape_and_money_in_fen():
    with pytest.raises(ValidationError):
        PayWithCodeRequest(payment_code="12ab567890123456")
    order = {
        "order_id": "O1",
        "service_code": "s",
        "items": [{"ref": "fee:0", "amount_fen": 100}],
        "amount_fen": 100,
        "status": "paid",
        "mode": "scan",
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-01T00:15:00Z",
        "future_field": 1,
    }
    assert Order.model_validate(order).amount_fen == 100  # unknown fields are ignored (additive changes)
    with pytest.raises(ValidationError):
        Order.model_validate({**order, "amount_fen": 1.5})


def test_catalogue_round_trip_and_problem_shape():
    catalog = Catalog(version="v", generated_at="2026-01-01T00:00:00Z", categories=CATEGORIES, services=SERVICES)
    again = Catalog.model_validate_json(catalog.model_dump_json())
    assert again == catalog and again.service("440100-JJ-0602").fees == []
    assert again.service("nope") is None
    p = Problem(title="t", status=401, code="unsigned", citizen_message={"zh_CN": "中", "en": "en"})
    assert p.model_dump()["citizen_message"] == {"zh_CN": "中", "en": "en"}
    with pytest.raises(ValidationError):
        ApplicationRequest(service_code="", person_token="12345678")
