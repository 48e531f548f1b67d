"""Electronic certificates (电子证照): listing, documents as PDF/PNG and the
public verification every printed proof carries as a QR code."""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import Field

from kiosk.platform.contract._base import Bilingual, ContractModel


class Certificate(ContractModel):
    cert_id: str
    name: str
    name_en: str
    issuer: str
    issuer_en: str = ""
    holder_masked_name: str
    holder_masked_id: str
    issued_on: date
    valid_until: date | None = None
    verification_code: str
    verification_url: str
    """The exact text of the QR code on the document."""
    print_fee_fen: int = Field(default=0, ge=0)
    service_code: str = ""
    """The catalogue service that prints it (for paid prints)."""


class CertificateList(ContractModel):
    certificates: list[Certificate]


class VerificationStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class CertificateVerification(ContractModel):
    code: str
    status: VerificationStatus
    valid: bool
    name: str = ""
    name_en: str = ""
    issuer: str = ""
    holder_masked_name: str = ""
    holder_masked_id: str = ""
    issued_on: date | None = None
    valid_until: date | None = None
    checked_at: datetime
    message: Bilingual


PDF_MEDIA_TYPE = "application/pdf"
PNG_MEDIA_TYPE = "image/png"
