"""Text block layouts for the four card types, masks and check digits."""

import datetime as dt

import pytest

from drivers.idreader.card import (
    CardFormatError,
    CardType,
    IdCard,
    NoPhotoDecoder,
    build_text,
    mask_id,
    mask_name,
    parse_text,
)
from drivers.idreader.sample_cards import SAMPLE_CARDS


@pytest.mark.parametrize("kind", list(SAMPLE_CARDS))
def test_roundtrip_every_card_type(kind):
    card = SAMPLE_CARDS[kind]
    block = build_text(card)
    assert len(block) == 256
    assert parse_text(block, card.photo) == card
    assert card.id_valid


def test_resident_offsets_and_long_term():
    block = build_text(SAMPLE_CARDS["resident"])
    assert block[0:4].decode("utf-16-le") == "张三"
    assert block[122:158].decode("utf-16-le") == "11010519491231002X"
    assert block[204:212].decode("utf-16-le") == "长期  "
    assert block[248:250] == b"\x20\x00"
    card = parse_text(block)
    assert card.valid_to is None and card.nation_text == "汉" and card.gender_text == "男"


def test_type_flags_and_foreign_old_layout():
    assert build_text(SAMPLE_CARDS["permit"])[248:250] == b"J\x00"
    assert build_text(SAMPLE_CARDS["foreign"])[248:250] == b"Y\x00"
    block = build_text(SAMPLE_CARDS["foreign-old"])
    assert block[248:250] == b"I\x00"
    assert block[122:152].decode("utf-16-le") == "CAN110019810803"
    assert block[152:158].decode("utf-16-le") == "CAN"


def test_check_digit_rejects_wrong_number():
    card = SAMPLE_CARDS["resident"]
    bad = IdCard(**{**card.__dict__, "id_number": "110105194912310021"})
    assert not bad.id_valid


def test_bad_blocks_raise_card_format_error():
    with pytest.raises(CardFormatError):
        parse_text(b"\x20\x00" * 10)
    block = bytearray(build_text(SAMPLE_CARDS["resident"]))
    block[248:250] = b"Q\x00"
    with pytest.raises(CardFormatError):
        parse_text(bytes(block))
    block = bytearray(build_text(SAMPLE_CARDS["resident"]))
    block[36:52] = "1949ab31".encode("utf-16-le")
    with pytest.raises(CardFormatError):
        parse_text(bytes(block))


def test_masks_never_show_full_identity():
    card = SAMPLE_CARDS["resident"]
    text = repr(card) + str(card.masked())
    assert card.id_number not in text and "张三" not in text
    assert "110105********002X" in text
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_name("张三丰") == "张*丰" and mask_name("张三") == "*三"


def test_default_photo_decoder_returns_none():
    assert NoPhotoDecoder().decode(SAMPLE_CARDS["resident"].photo) is None
    assert SAMPLE_CARDS["resident"].valid_from == dt.date(2015, 6, 1)
    assert SAMPLE_CARDS["foreign"].card_type is CardType.FOREIGN
