"""Identity documents a citizen can type at the kiosk, and whether a typed number can be one.

Not everyone holds a resident ID card: foreign permanent residents hold the 外国人永久居留
身份证 (since 2023 an 18-digit number starting with 9, before that three letters and twelve
digits), residents of Hong Kong, Macau and Taiwan a residence permit (18 digits starting
81/82/83) or a travel permit (回乡证: H or M and 8 or 10 digits; 台胞证: 8 digits), and
visitors a passport. Each is checked here by its own rule before the platform is asked,
so a typo gets a clear message beside the field instead of a refused identification.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from stdnum.cn import ric

from kiosk.i18n import N_
from kiosk.platform.contract.identity import IdDocument
from kiosk.services.forms import FieldError, check_id_number


class DocumentKind(enum.StrEnum):
    RESIDENT = "resident"
    FOREIGN_PERMANENT = "foreign_permanent"
    HMT_RESIDENCE = "hmt_residence"
    HMT_TRAVEL = "hmt_travel"
    PASSPORT = "passport"


@dataclass(frozen=True)
class DocumentSpec:
    label: str
    """Message id of the document's name (translate with ``_`` where shown)."""
    field: str
    """Message id of the number field's label."""
    keyboard: str
    """Which on-screen keyboard the number needs: "id" (digits and X) or "text" (letters too)."""
    contract: IdDocument


DOCUMENTS: dict[DocumentKind, DocumentSpec] = {
    DocumentKind.RESIDENT: DocumentSpec(N_("居民身份证"), N_("身份证号码"), "id", IdDocument.ID_NUMBER),
    DocumentKind.FOREIGN_PERMANENT: DocumentSpec(N_("外国人永久居留身份证"), N_("永久居留身份证号码"), "text",
                                                 IdDocument.ID_NUMBER),
    DocumentKind.HMT_RESIDENCE: DocumentSpec(N_("港澳台居民居住证"), N_("居住证号码"), "id", IdDocument.ID_NUMBER),
    DocumentKind.HMT_TRAVEL: DocumentSpec(N_("港澳居民来往内地通行证 / 台湾居民来往大陆通行证"), N_("通行证号码"),
                                          "text", IdDocument.HMT_TRAVEL_PERMIT),
    DocumentKind.PASSPORT: DocumentSpec(N_("护照"), N_("护照号码"), "text", IdDocument.PASSPORT),
}

_OLD_FOREIGN = re.compile(r"[A-Z]{3}\d{12}")
_TRAVEL = re.compile(r"[HM]\d{8}(\d{2})?|\d{8}")
_PASSPORT = re.compile(r"(?=.*\d)[A-Z0-9]{5,17}")


def normalise(value: str) -> str:
    return value.replace(" ", "").strip().upper()


def _checksum_ok(number: str) -> bool:
    return ric.calc_check_digit(number) == number[-1]


def check_document(kind: DocumentKind, name: str, value: str) -> FieldError | None:
    """``None`` when ``value`` can be a number of this document, else the problem to show beside ``name``."""
    v = normalise(value)
    if kind is DocumentKind.RESIDENT:
        return check_id_number(name, v)
    if kind is DocumentKind.FOREIGN_PERMANENT:
        if _OLD_FOREIGN.fullmatch(v):
            return None
        if not re.fullmatch(r"9\d{16}[\dX]", v):
            return FieldError(name, N_("永久居留身份证号码应为以9开头的18位号码（旧版为3个字母加12位数字）"))
        return None if _checksum_ok(v) else FieldError(name, N_("证件号码校验位不正确，请核对"))
    if kind is DocumentKind.HMT_RESIDENCE:
        if not re.fullmatch(r"8[123]\d{15}[\dX]", v):
            return FieldError(name, N_("居住证号码应为以81、82或83开头的18位号码"))
        return None if _checksum_ok(v) else FieldError(name, N_("证件号码校验位不正确，请核对"))
    if kind is DocumentKind.HMT_TRAVEL:
        if not _TRAVEL.fullmatch(v):
            return FieldError(name, N_("通行证号码应为H或M加8位或10位数字，或8位数字（台湾居民）"))
        return None
    if not _PASSPORT.fullmatch(v):
        return FieldError(name, N_("护照号码应为5至17位字母和数字"))
    return None
