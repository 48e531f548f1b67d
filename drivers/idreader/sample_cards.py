"""One sample card of each kind for the emulator and the driver tests (check digits by MOD 11-2).

The demo citizens the platform knows have their own cards (kiosk.devices.demo_cards)."""

from __future__ import annotations

import datetime as dt
import hashlib

from drivers.idreader.card import PHOTO_LEN, CardType, IdCard


def _photo(seed: str) -> bytes:
    """A fixed, opaque 1024-byte 'WLT' blob: never decoded, only carried."""
    out = b""
    while len(out) < PHOTO_LEN:
        out += hashlib.sha256((seed + str(len(out))).encode()).digest()
    return out[:PHOTO_LEN]


SAMPLE_CARDS: dict[str, IdCard] = {
    "resident": IdCard(
        CardType.RESIDENT, name="张三", gender="1", nation="01", birth_date=dt.date(1949, 12, 31),
        address="北京市朝阳区建国路88号", id_number="11010519491231002X", issuer="北京市公安局朝阳分局",
        valid_from=dt.date(2015, 6, 1), valid_to=None, photo=_photo("resident")),
    "permit": IdCard(
        CardType.PERMIT, name="陈大文", gender="1", birth_date=dt.date(1990, 1, 1),
        address="广东省深圳市福田区福华路1号", id_number="810000199001010019", issuer="深圳市公安局",
        valid_from=dt.date(2020, 3, 1), valid_to=dt.date(2025, 3, 1), pass_number="H12345678",
        issue_count="01", photo=_photo("permit")),
    "foreign": IdCard(
        CardType.FOREIGN, name="马丁", name_en="MARTIN JOHN", gender="1", birth_date=dt.date(1985, 1, 1),
        id_number="932682198501010017", issuer="国家移民管理局", valid_from=dt.date(2023, 12, 1),
        valid_to=dt.date(2033, 12, 1), pass_number="", issue_count="00", nationality="CAN",
        photo=_photo("foreign")),
    "foreign-old": IdCard(
        CardType.FOREIGN_OLD, name="", name_en="SMITH, ANNA MARIE", gender="2",
        birth_date=dt.date(1981, 8, 3), id_number="CAN110019810803", nationality="CAN",
        valid_from=dt.date(2017, 5, 1), valid_to=dt.date(2027, 5, 1), card_version="01",
        issuer="1100", photo=_photo("foreign-old")),
}
