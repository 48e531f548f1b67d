"""Kiosk operations: enrolment, announcements and heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kiosk.platform.contract._base import Bilingual, ContractModel
from kiosk.platform.contract.types import Count, Instant


class EnrolRequest(ContractModel):
    enrolment_code: str = Field(min_length=4, max_length=64)
    site_name: str = Field(default="", max_length=120)
    hardware_id: str = Field(default="", max_length=128)


class EnrolResponse(ContractModel):
    kiosk_id: str
    secret: str
    """Store it (UTF-8 bytes) in the kiosk's secret file, mode 0600."""
    enrolled_at: datetime


class Announcement(ContractModel):
    announcement_id: str
    title: Bilingual
    text: Bilingual
    valid_from: datetime
    valid_until: datetime | None = None
    priority: Literal["normal", "important"] = "normal"


class AnnouncementList(ContractModel):
    announcements: list[Announcement]


class DeviceReport(ContractModel):
    name: str
    """Config name: idreader, scanner, printer, a4printer, camera."""
    state: str
    """online / offline / busy / hardware_error / user_error."""
    media: str | None = None
    """Paper: ok / near_end / out / jammed."""
    detail: str = ""


class Heartbeat(ContractModel):
    kiosk_version: str
    uptime_s: float = Field(ge=0, le=1e10, allow_inf_nan=False)
    devices: list[DeviceReport] = Field(default_factory=list)
    paper_level: str | None = None
    journal_depth: Count = 0
    """Applications waiting on disk to be sent."""
    last_error: str | None = None
    catalog_version: str | None = None
    sent_at: Instant | None = None


class HeartbeatAck(ContractModel):
    received_at: datetime
    catalog_version: str
    """When it differs from the kiosk's, refetch the catalogue."""
    announcements: int = 0
    """How many announcements are current."""
