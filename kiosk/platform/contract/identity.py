"""Identifying a citizen: by ID card (any of the four card types the reader
returns), by the government app's QR code, or by ID number plus a face photo.

The platform answers with an opaque, short-lived person token; every later call
about the citizen carries that token, never the ID number.

An ID card alone proves possession of a card, not that its holder stands at the kiosk
(人证比对): the card answer has ``face_required`` set, no token and no profile, only the
masked name to greet. The token and the profile come from ``/identity/face`` when the
live capture matches the photo on file (``FaceCheckResponse``). Manual number entry
goes straight to the face check. Docs: docs/face-verification.md.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import Field

from kiosk.platform.contract._base import ContractModel
from kiosk.platform.contract.types import Day, DocumentNumber, IdNumber


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
    id_number: IdNumber
    name: str = Field(min_length=1, max_length=60)
    """Chinese name; for a foreign card without one, the foreign-language name."""
    name_en: str = Field(default="", max_length=120)
    gender: str = Field(default="", max_length=2)
    """GB/T 2261.1 code as on the card: 0, 1, 2, 9."""
    birth_date: Day | None = None
    issuer: str = Field(default="", max_length=120)
    valid_from: Day | None = None
    valid_to: Day | None = None
    """None with ``long_term`` set: the card says 长期."""
    long_term: bool = False
    nationality: str = Field(default="", max_length=3)
    """GB/T 2659 alpha-3, foreign cards only."""
    pass_number: str = Field(default="", max_length=20)
    """通行证号码, HK/Macau/Taiwan permits only."""


class AppQrIdentityRequest(ContractModel):
    token: str = Field(min_length=8, max_length=512)
    """The text of the QR code shown by the citizen's government app."""


class Liveness(enum.StrEnum):
    """The liveness challenge the kiosk ran and saw passed before sending the capture."""

    HEAD_TURN_LEFT = "head_turn_left"
    HEAD_TURN_RIGHT = "head_turn_right"


class FacePhotoIdentityRequest(ContractModel):
    id_number: DocumentNumber
    """The document's number (``document_type`` says which document)."""
    document_type: IdDocument = IdDocument.ID_NUMBER
    name: str = Field(default="", max_length=60)
    photo_jpeg_base64: str = Field(min_length=16, max_length=2_000_000)
    """The live capture, JPEG, base64 (standard alphabet): one frontal frame from the challenge."""
    liveness: Liveness | None = None
    """The challenge passed at the kiosk; without one the platform answers ``retry``."""


class FaceOutcome(enum.StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    """The face is not the registered holder's, or no photo is on file for this number
    (the same answer, so the check cannot be used to learn who is registered)."""
    RETRY = "retry"
    """The capture cannot be compared (no face, several faces, face too small, no liveness):
    take another."""


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
    person_token: str = ""
    """Opaque; send it with later calls about this citizen until ``expires_at``. Empty while
    ``face_required``."""
    masked_id: str
    masked_name: str
    card_type: CardType = CardType.RESIDENT
    expires_at: datetime
    profile: PersonProfile | None = None
    """Only once the identity is verified (never with ``face_required``)."""
    face_required: bool = False
    """The card was accepted but the holder must pass the face check before anything else."""
    face_verified: bool = False


class FaceCheckResponse(ContractModel):
    """The face check's answer; ``identity`` (token and profile) only with ``match``."""

    outcome: FaceOutcome
    score: float | None = None
    """Similarity 0..1 (1 - descriptor distance); ``match`` from ``threshold`` up. None when
    nothing was compared."""
    threshold: float
    reason: str = ""
    """With ``retry``: ``no_face``, ``several_faces``, ``face_too_small``, ``no_liveness``."""
    attempts_left: int
    """Failed checks still allowed for this ID number before it is locked for a while (429)."""
    identity: IdentityResponse | None = None
