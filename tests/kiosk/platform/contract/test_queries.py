"""Query pages are additive: a kind the platform adds later decodes, a known kind still
compares equal to its :class:`QueryKind`, and a page without a kind is still refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from kiosk.platform.contract import QueryKind, QueryPage

PAGE = {
    "title": "养老金测算",
    "title_en": "Pension estimate",
    "columns": [{"key": "monthly_fen", "title": "预计月领取", "title_en": "Estimated monthly", "unit": "fen"}],
    "rows": [{"monthly_fen": 412350}],
    "page": 1,
    "page_size": 10,
    "total": 1,
}


def test_a_kind_newer_than_the_kiosk_decodes_with_its_own_columns() -> None:
    page = QueryPage.model_validate_json(json.dumps({**PAGE, "kind": "pension_estimate", "chart": "bar"}))
    assert page.kind == "pension_estimate"
    assert [c.title for c in page.columns] == ["预计月领取"]


def test_known_kinds_still_compare_equal_to_their_enum() -> None:
    for kind in QueryKind:
        page = QueryPage.model_validate({**PAGE, "kind": kind.value})
        assert page.kind == kind
        assert QueryPage.model_validate_json(page.model_dump_json()).kind == kind


@pytest.mark.parametrize("kind", ["", "x" * 65, None])
def test_a_page_must_still_say_its_kind(kind: object) -> None:
    with pytest.raises(ValidationError):
        QueryPage.model_validate({**PAGE, "kind": kind})
