"""The card's 256-byte text block, all four card types (docs/devices-idreader.md, "The 256-byte text block").

``parse_text`` turns the block into a typed :class:`IdCard`; ``build_text`` is its exact
inverse, used by the emulator and tests to make cards from data. Errors: ``CardFormatError``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Protocol

from stdnum.cn import ric

TEXT_LEN = 256
PHOTO_LEN = 1024
LONG_TERM = "长期"

GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}
GENDERS_EN = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}
NATIONS = dict(enumerate(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 "
    "纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 "
    "德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split(), start=1))
NATIONS = {f"{k:02d}": v for k, v in NATIONS.items()} | {"97": "其他", "98": "外国血统中国籍人士"}


class CardFormatError(ValueError):
    """The text block is not a parseable card (wrong size, bad date, unknown type flag)."""


class CardType(enum.StrEnum):
    RESIDENT = "resident"          # flag ' '
    PERMIT = "permit"              # flag 'J', HK/Macau/Taiwan residence permit
    FOREIGN_OLD = "foreign-old"    # flag 'I', 2017 foreign permanent resident card
    FOREIGN = "foreign"            # flag 'Y', 2023 foreign permanent resident card


FLAGS = {" ": CardType.RESIDENT, "J": CardType.PERMIT, "I": CardType.FOREIGN_OLD, "Y": CardType.FOREIGN}
FLAG_OF = {v: k for k, v in FLAGS.items()}


class PhotoDecoder(Protocol):
    """Turns the 1024-byte WLT photo into an image (BMP bytes), or None if it cannot.

    Vendor WLT decoders are licensed and tied to the SAM, so none ships; the default
    returns None and the UI shows a placeholder portrait.
    """

    def decode(self, wlt: bytes) -> bytes | None: ...


class NoPhotoDecoder:
    def decode(self, wlt: bytes) -> bytes | None:
        return None


def mask_id(number: str) -> str:
    """``110105********002X``: first 6 + last 4, the rest starred."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_name(name: str) -> str:
    """``张*三`` / ``*三``: keep only the last character (and the first if 3+ chars)."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return "*" + name[-1]
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True)
class IdCard:
    card_type: CardType
    name: str
    gender: str                       # code as stored: 0/1/2/9
    birth_date: dt.date | None
    id_number: str
    valid_from: dt.date | None
    valid_to: dt.date | None          # None = 长期 (long-term)
    name_en: str = ""
    nation: str = ""                  # code "01".."98", blank for permits and foreigners
    address: str = ""
    issuer: str = ""
    pass_number: str = ""             # J: 通行证号码; Y: previous number
    issue_count: str = ""             # J and Y
    nationality: str = ""             # I and Y: GB/T 2659 alpha-3
    card_version: str = ""            # I
    photo: bytes = field(default=b"", repr=False)

    @property
    def gender_text(self) -> str:
        return GENDERS.get(self.gender, self.gender)

    @property
    def nation_text(self) -> str:
        return NATIONS.get(self.nation, "")

    @property
    def id_valid(self) -> bool:
        """MOD 11-2 check digit (the old 'I' 15-char permit number has none we can check)."""
        if self.card_type is CardType.FOREIGN_OLD:
            return len(self.id_number) == 15 and self.id_number[:3].isalpha()
        number = self.id_number.upper()
        if not re.fullmatch(r"\d{17}[\dX]", number):
            return False
        # calc_check_digit is the bare MOD 11-2 sum; ric.validate also checks region codes
        # and would reject valid 'Y' numbers (leading 9), so only the check digit is used.
        return ric.calc_check_digit(number) == number[-1]

    def masked(self) -> dict[str, object]:
        """What may be logged or shown on a doctor's screen: no full ID, no full name."""
        return {
            "card_type": self.card_type.value,
            "name": mask_name(self.name or self.name_en),
            "id_number": mask_id(self.id_number),
            "id_valid": self.id_valid,
            "gender": GENDERS_EN.get(self.gender, self.gender),
            "valid_to": self.valid_to.isoformat() if self.valid_to else LONG_TERM,
            "photo_bytes": len(self.photo),
        }

    def __repr__(self) -> str:
        return f"IdCard({self.masked()})"

    __str__ = __repr__


def _s(block: bytes, off: int, length: int) -> str:
    return block[off:off + length].decode("utf-16-le", errors="replace").strip(" \x00")


def _date(text: str, *, allow_long: bool = False) -> dt.date | None:
    if not text or (allow_long and text.startswith(LONG_TERM)):
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise CardFormatError(f"bad date field {text!r}") from exc


def parse_text(block: bytes, photo: bytes = b"") -> IdCard:
    """Parse the 256-byte UCS-2LE text block; raises CardFormatError."""
    if len(block) != TEXT_LEN:
        raise CardFormatError(f"text block is {len(block)} bytes, expected {TEXT_LEN}")
    flag = block[248:250].decode("utf-16-le", errors="replace")
    kind = FLAGS.get(flag)
    if kind is None:
        raise CardFormatError(f"unknown card-type flag {flag!r}")
    common = {"valid_from": _date(_s(block, 188, 16)),
              "valid_to": _date(_s(block, 204, 16), allow_long=True), "photo": photo}
    if kind is CardType.FOREIGN_OLD:
        return IdCard(kind, name=_s(block, 158, 30), name_en=_s(block, 0, 120), gender=_s(block, 120, 2),
                      id_number=_s(block, 122, 30), nationality=_s(block, 152, 6),
                      birth_date=_date(_s(block, 220, 16)), card_version=_s(block, 236, 4),
                      issuer=_s(block, 240, 8), **common)
    base = {"name": _s(block, 0, 30), "gender": _s(block, 30, 2), "birth_date": _date(_s(block, 36, 16)),
            "id_number": _s(block, 122, 36), "issuer": _s(block, 158, 30), **common}
    if kind is CardType.FOREIGN:
        return IdCard(kind, name_en=_s(block, 52, 70), pass_number=_s(block, 220, 18),
                      issue_count=_s(block, 238, 4), nationality=_s(block, 242, 6), **base)
    base |= {"nation": _s(block, 32, 4), "address": _s(block, 52, 70)}
    if kind is CardType.PERMIT:
        return IdCard(kind, pass_number=_s(block, 220, 18), issue_count=_s(block, 238, 4), **base)
    return IdCard(kind, **base)


def _put(block: bytearray, off: int, length: int, text: str) -> None:
    raw = text.encode("utf-16-le")[:length]
    block[off:off + len(raw)] = raw


def _d(value: dt.date | None, long_term: bool = False) -> str:
    if value is None:
        return LONG_TERM if long_term else ""
    return value.strftime("%Y%m%d")


def build_text(card: IdCard) -> bytes:
    """Encode ``card`` into the 256-byte block exactly as a chip would (space padded)."""
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    c = card
    _put(block, 188, 16, _d(c.valid_from))
    _put(block, 204, 16, _d(c.valid_to, long_term=True))
    if c.card_type is CardType.FOREIGN_OLD:
        for off, ln, v in ((0, 120, c.name_en), (120, 2, c.gender), (122, 30, c.id_number),
                           (152, 6, c.nationality), (158, 30, c.name), (220, 16, _d(c.birth_date)),
                           (236, 4, c.card_version), (240, 8, c.issuer)):
            _put(block, off, ln, v)
    else:
        for off, ln, v in ((0, 30, c.name), (30, 2, c.gender), (36, 16, _d(c.birth_date)),
                           (122, 36, c.id_number), (158, 30, c.issuer)):
            _put(block, off, ln, v)
        if c.card_type is CardType.FOREIGN:
            for off, ln, v in ((52, 70, c.name_en), (220, 18, c.pass_number), (238, 4, c.issue_count),
                               (242, 6, c.nationality)):
                _put(block, off, ln, v)
        else:
            _put(block, 32, 4, c.nation)
            _put(block, 52, 70, c.address)
            if c.card_type is CardType.PERMIT:
                _put(block, 220, 18, c.pass_number)
                _put(block, 238, 4, c.issue_count)
    _put(block, 248, 2, FLAG_OF[c.card_type])
    return bytes(block)
