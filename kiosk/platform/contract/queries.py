"""Self-service queries (查询): the generic paged :class:`QueryPage` the kiosk renders
as a table and may print, and a case's progress.

A page describes itself (title, columns with their titles and units), so the kiosk can
show a query kind the platform added after the kiosk was built: ``QueryPage.kind`` is
an open string, :class:`QueryKind` only names the kinds known today."""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import Field

from kiosk.platform.contract._base import ContractModel


class QueryKind(enum.StrEnum):
    """The query kinds this version knows by name; a platform may serve more."""

    SOCIAL_SECURITY = "social_security"
    HOUSING_FUND = "housing_fund"
    PROPERTY = "property"
    CREDIT = "credit"
    TRAFFIC_VIOLATIONS = "traffic_violations"
    CASE_PROGRESS = "case_progress"


Cell = str | int | float | bool | None


class Column(ContractModel):
    key: str
    title: str
    title_en: str
    unit: str = ""
    """``fen`` for money in fen (the kiosk formats ¥), ``m2``, ``days`` ... or empty."""
    total: bool = False
    """The values add up to something meaningful (amounts paid, points): the page carries their
    sum over all rows in ``QueryPage.totals``. Not for balances or bases, whose sum means nothing."""


class QueryPage(ContractModel):
    kind: str = Field(min_length=1, max_length=64, description=(
        "A QueryKind value or a kind added since; either way the page's own columns say how to show it."))
    title: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Cell]]
    """Each row maps a column key to its value."""
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=100)
    total: int = Field(ge=0)
    printable: bool = True
    as_of: datetime | None = None
    totals: dict[str, Cell] = Field(default_factory=dict)
    """Column key -> the sum of that column over every row of the result (all pages), for the
    columns marked ``total``; the kiosk shows it in the summary line above the rows."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class CaseStep(ContractModel):
    name: str
    name_en: str
    at: datetime | None = None
    done: bool = False


class CaseProgress(ContractModel):
    case_no: str
    service_code: str
    service_name: str
    service_name_en: str
    status: str
    """received / reviewing / approved / rejected / completed / supplement_needed."""
    status_text: str
    status_text_en: str
    submitted_at: datetime
    promised_by: date | None = None
    steps: list[CaseStep] = Field(default_factory=list)
