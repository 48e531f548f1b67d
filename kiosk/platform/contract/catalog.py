"""The service catalogue: every element of a service guide (办事指南) the kiosk
shows, plus what the kiosk itself can do for the service end to end.

Citizen-facing texts come in pairs: ``x`` in Chinese (zh_CN) and ``x_en`` in English.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from kiosk.platform.contract._base import ContractModel


class ServiceType(enum.StrEnum):
    ADMINISTRATIVE_LICENSING = "administrative_licensing"  # 行政许可
    ADMINISTRATIVE_CONFIRMATION = "administrative_confirmation"  # 行政确认
    ADMINISTRATIVE_PAYMENT = "administrative_payment"  # 行政给付
    ADMINISTRATIVE_PENALTY = "administrative_penalty"  # 行政处罚
    PUBLIC_SERVICE = "public_service"  # 公共服务
    OTHER = "other"  # 其他行政权力


SERVICE_TYPE_LABELS: dict[ServiceType, dict[str, str]] = {
    ServiceType.ADMINISTRATIVE_LICENSING: {"zh_CN": "行政许可", "en": "Administrative licensing"},
    ServiceType.ADMINISTRATIVE_CONFIRMATION: {"zh_CN": "行政确认", "en": "Administrative confirmation"},
    ServiceType.ADMINISTRATIVE_PAYMENT: {"zh_CN": "行政给付", "en": "Administrative payment"},
    ServiceType.ADMINISTRATIVE_PENALTY: {"zh_CN": "行政处罚", "en": "Administrative penalty"},
    ServiceType.PUBLIC_SERVICE: {"zh_CN": "公共服务", "en": "Public service"},
    ServiceType.OTHER: {"zh_CN": "其他行政权力", "en": "Other administrative power"},
}


class KioskCapability(enum.StrEnum):
    """What the kiosk can do for a service without a counter."""

    GUIDE_ONLY = "guide_only"
    QUERY = "query"
    APPLY = "apply"
    PAY = "pay"
    PRINT = "print"
    QUEUE = "queue"
    APPOINTMENT = "appointment"


class OnlineDepth(enum.StrEnum):
    """网上办理深度, the national four levels."""

    INFORMATION = "information"  # 一级: guide online only
    DOWNLOAD = "download"  # 二级: forms downloadable
    PRE_REVIEW = "pre_review"  # 三级: submitted online, checked at the counter
    FULL_ONLINE = "full_online"  # 四级: fully online


MaterialForm = Literal["original", "copy", "original_and_copy", "electronic"]
Delivery = Literal["pick_up", "post", "electronic", "print_at_kiosk"]
DeviceName = Annotated[str, Field(min_length=1, max_length=64)]
"""Same names as the ``devices.*`` sections of the kiosk config (idreader, scanner, printer,
a4printer, camera, ...). Open: a platform may name a device class a kiosk does not know,
which that kiosk ignores."""
Availability = Literal["always", "hall_hours"]


class Material(ContractModel):
    """One 申请材料 entry."""

    name: str
    name_en: str
    form: MaterialForm = "original"
    copies: int = Field(default=1, ge=0)
    required: bool = True
    sample_form_url: str | None = None
    note: str = ""
    note_en: str = ""


class Step(ContractModel):
    title: str
    title_en: str
    description: str = ""
    description_en: str = ""


class Fee(ContractModel):
    name: str
    name_en: str
    amount_fen: int = Field(ge=0)
    basis: str = ""
    """收费依据, the document that sets the fee."""
    basis_en: str = ""


class ServiceResult(ContractModel):
    """办理结果."""

    certificate_name: str = ""
    certificate_name_en: str = ""
    delivery: list[Delivery] = Field(default_factory=list)


class Service(ContractModel):
    code: str
    """事项编码: one item, one code, province-wide."""
    name: str
    name_en: str
    type: ServiceType
    category: str
    """Code of a :class:`Category`."""
    department: str
    department_en: str
    legal_basis: list[str] = Field(default_factory=list)
    legal_basis_en: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    conditions_en: list[str] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    legal_time_limit_days: int | None = Field(default=None, ge=0)
    """法定时限 in working days; None when the law sets none."""
    promised_time_limit_days: int | None = Field(default=None, ge=0)
    """承诺时限 in working days; 0 means on the spot."""
    fees: list[Fee] = Field(default_factory=list)
    """Empty: free of charge."""
    where: str = ""
    where_en: str = ""
    when: str = ""
    when_en: str = ""
    visits_needed: int = Field(default=0, ge=0)
    result: ServiceResult = Field(default_factory=ServiceResult)
    consult: str = ""
    consult_en: str = ""
    complaint: str = ""
    complaint_en: str = ""
    online_depth: OnlineDepth = OnlineDepth.INFORMATION
    kiosk_capability: list[KioskCapability] = Field(default_factory=lambda: [KioskCapability.GUIDE_ONLY])
    needs_identity: bool = False
    available: Availability = "always"
    """``hall_hours``: the kiosk offers it only while the hall is staffed (see :attr:`Catalog.hall_hours`)."""
    required_devices: list[DeviceName] = Field(default_factory=list)
    """The kiosk hides or disables the service while one of these is not online."""
    query_kind: str | None = None
    """For ``query`` services: the kind to call, a :class:`kiosk.platform.contract.queries.QueryKind`
    value or one the platform added since (the page it returns says how to show it)."""
    form_fields: list[FormField] = Field(default_factory=list)
    """For ``apply`` services: the one-form fields the kiosk asks for (prefilled from the identity)."""


class FormField(ContractModel):
    """One field of the online form; ``prefill`` names the identity profile field it comes from."""

    key: str
    label: str
    label_en: str
    kind: Literal["text", "id_number", "mobile", "date", "number", "choice", "address", "uscc"] = "text"
    required: bool = True
    choices: list[str] = Field(default_factory=list)
    prefill: str | None = None
    """``name``, ``id_number``, ``phone``, ``address``, ``birth_date`` or None."""
    max_length: int = Field(default=200, ge=1)


Service.model_rebuild()


class Category(ContractModel):
    code: str
    name: str
    name_en: str
    icon: str = ""
    """An icon name (without extension) for clients that draw icons; the kiosk shows categories as text."""
    order: int = 0


class HallHours(ContractModel):
    """When the hall is staffed; ``hall_hours`` services are offered only then (local time)."""

    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """0 = Monday."""
    opens: str = "09:00"
    closes: str = "17:00"
    timezone: str = "Asia/Shanghai"


class Catalog(ContractModel):
    version: str
    """Changes whenever any service changes; also sent as the ETag."""
    generated_at: datetime
    categories: list[Category]
    services: list[Service]
    hall_hours: HallHours = Field(default_factory=HallHours)

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)
