"""Identifying a citizen: by ID card (any of the four card types the reader
returns), by the government app's QR code, or by ID number plus a face photo.

The platform answers with an opaque, short-lived person token; every later call
about the citizen carries that token, never the ID number.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import Field

from kiosk.platform.contract._base import ContractModel


class CardType(enum.StrEnum):
    RESIDENT = "resident"  # 居民身份证
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证 ('J')
    FOREIGN_PERMANENT_OLD = "foreign_permanent_old"  # 外国人永久居留身份证 2017 ('I', 15 chars)
    FOREIGN_PERMANENT_NEW = "foreign_permanent_new"  # 2023 version ('Y', 18 chars starting 9)


class IdDocument(enum.StrEnum):
    """Which document a typed number belongs to (identification by number and face photo)."""

    ID_NUMBER = "id_number"
    """An 18-character (or old 15-character foreign) identity number: resident ID card, foreign
    permanent resident ID card, Hong Kong/Macau/Taiwan residence permit."""
    PASSPORT = "passport"
    HMT_TRAVEL_PERMIT = "hmt_travel_permit"
    """港澳居民来往内地通行证 (H/M + 8 or 10 digits) or 台湾居民来往大陆通行证 (8 digits)."""


class IdCardIdentityRequest(ContractModel):
    card_type: CardType = CardType.RESIDENT
    id_number: str = Field(min_length=15, max_length=18)
    name: str = Field(min_length=1, max_length=60)
    """Chinese name; for a foreign card without one, the foreign-language name."""
    name_en: str = ""
    gender: str = ""
    """GB/T 2261.1 code as on the card: 0, 1, 2, 9."""
    birth_date: date | None = None
    issuer: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    """None with ``long_term`` set: the card says 长期."""
    long_term: bool = False
    nationality: str = ""
    """GB/T 2659 alpha-3, foreign cards only."""
    pass_number: str = ""
    """通行证号码, HK/Macau/Taiwan permits only."""


class AppQrIdentityRequest(ContractModel):
    token: str = Field(min_length=8, max_length=512)
    """The text of the QR code shown by the citizen's government app."""


class FacePhotoIdentityRequest(ContractModel):
    id_number: str = Field(min_length=5, max_length=18)
    """The document's number (``document_type`` says which document)."""
    document_type: IdDocument = IdDocument.ID_NUMBER
    name: str = ""
    photo_jpeg_base64: str = Field(min_length=16)
    """The live photo, JPEG, base64 (standard alphabet)."""


class PersonProfile(ContractModel):
    """Basic data for one-form prefill (一表申请); kept in session memory only."""

    name: str
    name_en: str = ""
    id_number: str
    card_type: CardType = CardType.RESIDENT
    gender: str = ""
    birth_date: date | None = None
    phone: str = ""
    address: str = ""


class IdentityResponse(ContractModel):
    person_token: str
    """Opaque; send it with later calls about this citizen until ``expires_at``."""
    masked_id: str
    masked_name: str
    card_type: CardType = CardType.RESIDENT
    expires_at: datetime
    profile: PersonProfile | None = None
