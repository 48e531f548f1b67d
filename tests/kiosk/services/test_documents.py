"""Typed identity documents: each kind of number is checked by its own rule."""

from __future__ import annotations

import pytest

from kiosk.services.documents import DocumentKind, check_document

K = DocumentKind


@pytest.mark.parametrize(("kind", "number"), [
    (K.RESIDENT, "11010519491231002X"),
    (K.FOREIGN_PERMANENT, "944840198209200113"),  # the 2023 card: 18 digits starting with 9
    (K.FOREIGN_PERMANENT, "CAN440086051512"),  # the 2017 card: three letters, twelve digits
    (K.HMT_RESIDENCE, "810000198804050028"),
    (K.HMT_TRAVEL, "H60251234"),
    (K.HMT_TRAVEL, "m3011987601"),  # typed in lower case, 10 digits
    (K.HMT_TRAVEL, "08812345"),  # Taiwan: 8 digits
    (K.PASSPORT, "C4J7KL2M9"),
    (K.PASSPORT, "567 890 123"),
])
def test_good_numbers_pass(kind: DocumentKind, number: str) -> None:
    assert check_document(kind, "n", number) is None


@pytest.mark.parametrize(("kind", "number"), [
    (K.RESIDENT, "944840198209200113"),  # a foreign permanent resident number is not a resident ID
    (K.FOREIGN_PERMANENT, "944840198209200112"),  # check digit
    (K.FOREIGN_PERMANENT, "110105194912310021"),  # does not start with 9
    (K.HMT_RESIDENCE, "840000198804050028"),
    (K.HMT_TRAVEL, "X60251234"),
    (K.PASSPORT, "ABCDEFGH"),  # no digit
    (K.PASSPORT, "E1"),
])
def test_bad_numbers_are_refused_with_a_message(kind: DocumentKind, number: str) -> None:
    problem = check_document(kind, "n", number)
    assert problem is not None and problem.field == "n" and problem.message
