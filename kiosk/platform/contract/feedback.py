"""好差评 ratings and help calls (帮办)."""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import Field, model_validator

from kiosk.platform.contract._base import Bilingual, ContractModel
from kiosk.platform.contract.types import Ident, Instant


class RatingLevel(enum.StrEnum):
    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


BAD_LEVELS = frozenset({RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED})

RATING_LEVEL_LABELS: dict[RatingLevel, dict[str, str]] = {
    RatingLevel.VERY_SATISFIED: {"zh_CN": "非常满意", "en": "Very satisfied"},
    RatingLevel.SATISFIED: {"zh_CN": "满意", "en": "Satisfied"},
    RatingLevel.BASICALLY_SATISFIED: {"zh_CN": "基本满意", "en": "Basically satisfied"},
    RatingLevel.DISSATISFIED: {"zh_CN": "不满意", "en": "Dissatisfied"},
    RatingLevel.VERY_DISSATISFIED: {"zh_CN": "非常不满意", "en": "Very dissatisfied"},
}

RATING_REASONS: dict[str, dict[str, str]] = {
    "too_many_materials": {"zh_CN": "材料要求多", "en": "Too many materials required"},
    "slow": {"zh_CN": "办理时间长", "en": "Took too long"},
    "unclear_guide": {"zh_CN": "指南不清楚", "en": "Guide unclear"},
    "system_fault": {"zh_CN": "设备或系统故障", "en": "Device or system fault"},
    "unfriendly": {"zh_CN": "服务态度差", "en": "Unfriendly service"},
    "more_trips": {"zh_CN": "多次跑动", "en": "Had to come several times"},
    "other": {"zh_CN": "其他", "en": "Other"},
}
"""Reason codes offered for a bad rating."""


VISIT_SUBJECT = "kiosk"
"""What kiosks before visit-level ratings journaled as ``service_code`` for a rating given at
结束办理 without a service; the platform takes it as a visit-level rating too."""


class RatingRequest(ContractModel):
    service_code: Ident | None = None
    """The service rated, or None: the visit as a whole (the citizen ended the visit with 结束办理
    before or without a service). A visit-level rating is a rating like any other."""
    case_no: Ident | None = None
    person_token: str | None = Field(default=None, min_length=8, max_length=512)
    level: RatingLevel
    reasons: list[str] = Field(default_factory=list, max_length=20)
    text: str = Field(default="", max_length=500)
    contact: str = Field(default="", max_length=40)
    """Phone number for the follow-up of a bad rating."""
    submitted_at: Instant | None = None
    """When the citizen gave the rating; checked against ``person_token`` exactly like
    ``ApplicationRequest.submitted_at`` (a journaled rating may be delivered much later)."""

    @model_validator(mode="after")
    def _bad_needs_reason_and_contact(self) -> RatingRequest:
        unknown = [r for r in self.reasons if r not in RATING_REASONS]
        if unknown:
            raise ValueError(f"unknown reason codes: {', '.join(unknown)}")
        if self.level in BAD_LEVELS:
            if not self.reasons and not self.text.strip():
                raise ValueError("a bad rating needs a reason or a text")
            if not self.contact.strip():
                raise ValueError("a bad rating needs a contact")
        return self


class RatingReceipt(ContractModel):
    rating_id: str
    follow_up: bool
    """True for bad ratings: staff call back and report the outcome."""
    message: Bilingual


class HelpReason(enum.StrEnum):
    ELDERLY = "elderly"
    DISABLED = "disabled"
    DEVICE_FAULT = "device_fault"
    QUESTION = "question"
    OTHER = "other"


class HelpCallRequest(ContractModel):
    reason: HelpReason = HelpReason.QUESTION
    screen: str = Field(default="", max_length=64)
    """The screen the citizen pressed help on, so staff know the context."""
    service_code: Ident | None = None
    note: str = Field(default="", max_length=200)
    requested_at: Instant | None = None
    """When the citizen pressed help (kiosk clock). A call the kiosk could not deliver at once
    is journaled and sent when the platform is back; one older than ``HELP_CALL_STALE_S``
    then is recorded as ``missed`` (the hall's report shows it) and sends nobody to a
    kiosk the citizen has long left."""


HELP_CALL_STALE_S = 15 * 60
"""Age at which a help call no longer summons staff (the platform's rule; kiosks only stamp)."""


class HelpCall(ContractModel):
    call_id: str
    status: str
    """queued / accepted / on_the_way / closed, or missed: delivered too late to send anyone, or
    cancelled: the citizen said they no longer need help (staff on the way turn back)."""
    expected_minutes: int = Field(ge=0)
    created_at: datetime
    message: Bilingual
