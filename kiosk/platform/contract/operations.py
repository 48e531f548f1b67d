"""Kiosk operations: enrolment, announcements and heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kiosk.platform.contract._base import Bilingual, ContractModel
from kiosk.platform.contract.actions import RemoteAction
from kiosk.platform.contract.types import Bytes, Count, Instant, Seconds


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
    image_version: str | None = None
    """The OS image's IMAGE_VERSION; None on a machine not running a kiosk image."""
    boot_slot: str | None = None
    """The boot entry booted (``kiosk_<version>.efi``), None when not known."""
    rolled_back: bool = False
    """A newer image was tried and given up on: this kiosk runs the previous one (docs/updates.md)."""
    unsent_oldest_age_s: Seconds | None = None
    """Age of the oldest journal item still waiting to be sent; None when nothing waits (or unknown)."""
    payments_paused: bool = False
    """New payments are refused: an order could not be settled with the platform (the order settler's flag)."""
    disk_free_bytes: Bytes | None = None
    """Free bytes on the file system of the kiosk's state folder (journal, cache); None when unreadable."""
    last_visit_at: Instant | None = None
    """When the last citizen's visit ended; None when none has since the kiosk was installed."""


class TechnicianAuditEntry(ContractModel):
    """One technician action on a kiosk (PIN prompt opened, PIN refused, page used, export, reboot, ...)."""

    at: datetime
    level: Literal["info", "warning", "error"] = "info"
    action: str = Field(min_length=1, max_length=500)
    """What was done, in the kiosk's audit wording; never a PIN or a citizen's data."""
    technician_id: str | None = Field(default=None, max_length=32)
    """Who was signed in (a platform-issued id, or ``local`` for the PIN set at provisioning); None before."""


class TechnicianAuditReceipt(ContractModel):
    audit_id: str


class TechnicianAuditList(ContractModel):
    """The signing kiosk's latest technician actions, newest first."""

    entries: list[TechnicianAuditEntry]


class HeartbeatRecord(ContractModel):
    received_at: datetime
    heartbeat: Heartbeat


class HeartbeatHistory(ContractModel):
    """A kiosk's latest heartbeats as the platform received them, newest first."""

    heartbeats: list[HeartbeatRecord]


class HeartbeatAck(ContractModel):
    received_at: datetime
    catalog_version: str
    """When it differs from the kiosk's, refetch the catalogue."""
    announcements: int = 0
    """How many announcements are current."""
    technician_unlock_at: datetime | None = None
    """When an administrator last lifted this kiosk's technician PIN lock-out; the kiosk resets a newer one."""
    actions: list[RemoteAction] = Field(default_factory=list)
    """Remote actions not yet answered for good, oldest first; each is handed out until the kiosk acks it."""
