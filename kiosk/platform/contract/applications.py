"""Submitting an application (申请) with its one-form fields and material photos."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from kiosk.platform.contract._base import Bilingual, ContractModel
from kiosk.platform.contract.types import Ident, Instant

FormValue = str | int | float | bool | None


class MaterialAttachment(ContractModel):
    """One material: inline base64 data, or a sha256 of data uploaded before."""

    name: str = Field(min_length=1, max_length=100)
    content_type: str = Field(default="image/jpeg", pattern=r"^[a-z]+/[a-z0-9.+-]+$")
    data_base64: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _one_source(self) -> MaterialAttachment:
        if not self.data_base64 and not self.sha256:
            raise ValueError("a material needs data_base64 or sha256")
        return self


class ApplicationRequest(ContractModel):
    service_code: Ident
    person_token: str = Field(min_length=8, max_length=512)
    form: dict[str, FormValue] = Field(default_factory=dict)
    materials: list[MaterialAttachment] = Field(default_factory=list, max_length=50)
    submitted_at: Instant | None = None
    """When the citizen pressed submit on the kiosk, with its UTC offset (the journal may
    resend much later). Part of the signed body, so only the kiosk can set it. When present
    the platform checks ``person_token`` at this time, not at arrival: it accepts a token
    that this kiosk received and that was valid then, if the stamp lies within the
    platform's submission grace period; otherwise 403 ``submission_token_refused`` (final).
    Without it the token must be valid on arrival (else 401 ``person_token_invalid``)."""


class ApplicationReceipt(ContractModel):
    case_no: str
    received_at: datetime
    receipt_code: str
    """Short code printed on the receipt; looks the case up later."""
    service_code: str = ""
    promised_by: date | None = None
    message: Bilingual | None = None
