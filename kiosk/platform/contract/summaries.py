"""Visit summaries: what a hall manager's service figures are made of, with no one's personal data.

At the end of every visit the kiosk journals one summary (what was used, how far each
journey got, how long it took, pages printed, payments, queue tickets) and sends it like
an application, so a kiosk that was offline for a day still counts that day. Nothing in it
names or identifies the citizen: no identity, no form value, no case or order number.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kiosk.platform.contract._base import ContractModel
from kiosk.platform.contract.types import Count, Fen, Ident, Instant

StepName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""A screen name of a journey (``apply.form``, ``pay.method``): code, never text the citizen typed."""
Duration = Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]
VisitEnd = Literal["completed", "ended_by_citizen", "timeout", "other"]


class ServiceUse(ContractModel):
    """One journey the citizen opened for one service, and how far it got."""

    service_code: Ident | None = None
    """None for journeys not tied to one service (the queue ticket picker before a choice, help)."""
    journey: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
    last_step: StepName
    completed: bool
    abandoned_at: StepName | None = None
    """The step the citizen left from when the journey did not complete (None when completed)."""
    duration_s: Duration


class VisitSummary(ContractModel):
    visit_id: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    """Random per visit: it makes a resend count once, and links to nothing else."""
    started_at: Instant
    ended_at: Instant
    language: Annotated[str, Field(max_length=8, pattern=r"^[A-Za-z_]+$")]
    elder_mode: bool = False
    outcome: VisitEnd = "other"
    services: list[ServiceUse] = Field(default_factory=list, max_length=50)
    pages_thermal: Count = 0
    pages_a4: Count = 0
    payments: Count = 0
    payments_fen: Fen = 0
    queue_tickets: Count = 0


class VisitSummaryReceipt(ContractModel):
    visit_id: str
    duplicate: bool = False
    """True when the platform already had this visit (a resend under a new key): counted once."""
