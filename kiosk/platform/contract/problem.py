"""RFC 9457 problem details: every platform error has this body, with a machine
``code`` the kiosk branches on and a ``citizen_message`` it may show as is."""

from __future__ import annotations

from pydantic import Field

from kiosk.platform.contract._base import Bilingual, ContractModel

PROBLEM_TYPE_BASE = "https://kiosk.example.gov.cn/problems/"
"""``type`` is this base plus the machine code (the URI identifies, it need not resolve)."""


class FieldError(ContractModel):
    field: str
    """Dotted location, e.g. ``form.phone``."""
    message: str


class Problem(ContractModel):
    type: str = "about:blank"
    title: str
    status: int = Field(ge=100, le=599)
    detail: str = ""
    code: str
    """Machine code, e.g. ``unsigned``, ``stale``, ``replayed``, ``not_found``, ``validation``,
    ``idempotency_mismatch``, ``order_not_payable``, ``outside_hall_hours``."""
    citizen_message: Bilingual
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    """Field-level details for ``validation`` problems."""


# Machine codes used by the reference platform; clients may meet others and must
# fall back on ``status``.
UNSIGNED = "unsigned"
STALE = "stale"
REPLAYED = "replayed"
BAD_SIGNATURE = "bad_signature"
UNKNOWN_KIOSK = "unknown_kiosk"
NOT_FOUND = "not_found"
VALIDATION = "validation"
IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
"""409: the first request with this key is still being processed; send it again later."""
PERSON_TOKEN_INVALID = "person_token_invalid"
"""401: the person token is unknown, expired or ended now (calls without a ``submitted_at``)."""
SUBMISSION_TOKEN_REFUSED = "submission_token_refused"
"""403, final: a stamped submission (``submitted_at``) the person token cannot vouch for —
the token was not issued to this kiosk, or was not valid at the stamped time, or the stamp
is older than the grace period or in the future. Resending it can never succeed."""
IDENTITY_FAILED = "identity_failed"
FACE_LOCKED = "face_locked"
"""429: too many failed face checks for this ID number lately; identify at a service window or later."""
ORDER_NOT_PAYABLE = "order_not_payable"
PAYMENT_CODE_INVALID = "payment_code_invalid"
PAYMENT_CODE_USED = "payment_code_used"
AMOUNT_MISMATCH = "amount_mismatch"
CONFLICT = "conflict"
OUTSIDE_HALL_HOURS = "outside_hall_hours"
ENROLMENT_CODE_INVALID = "enrolment_code_invalid"
"""403: unknown, already used or expired enrolment code."""
BODY_TOO_LARGE = "body_too_large"
"""413: the body is larger than the route takes (checked before it is read)."""
MALFORMED = "malformed"
"""400: the body is not JSON the platform can read (for instance an integer of thousands of digits)."""
RATE_LIMITED = "rate_limited"
"""429: too many lookups by a bare code from this kiosk; wait ``Retry-After`` seconds."""
