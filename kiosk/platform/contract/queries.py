"""Self-service queries (查询): typed records per kind, and the generic paged
:class:`QueryPage` the kiosk renders as a table and may print."""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import Field

from kiosk.platform.contract._base import ContractModel


class QueryKind(enum.StrEnum):
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


class QueryPage(ContractModel):
    kind: QueryKind
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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class SocialSecurityRecord(ContractModel):
    month: str
    """YYYY-MM."""
    insurance: str
    """养老 / 医疗 / 失业 / 工伤 / 生育."""
    insurance_en: str
    employer: str
    base_fen: int
    personal_fen: int
    employer_fen: int
    status: str
    """已到账 / 欠缴."""
    status_en: str


class HousingFundRecord(ContractModel):
    month: str
    employer: str
    deposit_fen: int
    """Personal plus employer deposit that month."""
    balance_fen: int
    status: str
    status_en: str


class PropertyRecord(ContractModel):
    certificate_no: str
    """不动产权证书号, e.g. 京(2021)朝阳区不动产权第0012345号."""
    address: str
    area_m2: float
    usage: str
    usage_en: str
    share: str
    """共有情况: 单独所有 / 共同共有 / 按份共有 1/2."""
    registered_on: date
    mortgaged: bool
    sealed: bool = False
    """查封."""


class CreditRecord(ContractModel):
    item: str
    item_en: str
    institution: str
    opened_on: date
    amount_fen: int
    balance_fen: int
    status: str
    status_en: str
    overdue_months: int = 0


class TrafficViolation(ContractModel):
    violation_id: str
    plate: str
    occurred_at: datetime
    place: str
    behaviour: str
    behaviour_en: str
    points: int
    fine_fen: int
    handled: bool
    paid: bool


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
