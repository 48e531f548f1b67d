"""Appointments (预约), check-in and queue tickets (排队叫号) for the hall windows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, model_validator

from kiosk.platform.contract._base import ContractModel
from kiosk.platform.contract.types import Ident


class AppointmentSlot(ContractModel):
    slot_id: str
    service_code: str
    day: date
    start: str
    """HH:MM local time."""
    end: str
    remaining: int = Field(ge=0)


class SlotList(ContractModel):
    slots: list[AppointmentSlot]


class BookAppointmentRequest(ContractModel):
    slot_id: Ident
    person_token: str = Field(min_length=8, max_length=512)


class Appointment(ContractModel):
    appointment_code: str
    service_code: str
    service_name: str
    service_name_en: str
    day: date
    start: str
    end: str
    holder_masked_name: str
    status: str
    """booked / checked_in / missed / cancelled."""


class AppointmentList(ContractModel):
    appointments: list[Appointment]


class CheckInRequest(ContractModel):
    appointment_code: Ident | None = None
    person_token: str | None = Field(default=None, min_length=8, max_length=512)

    @model_validator(mode="after")
    def _one_of(self) -> CheckInRequest:
        if not self.appointment_code and not self.person_token:
            raise ValueError("give an appointment_code or a person_token")
        return self


class QueueTicketRequest(ContractModel):
    service_code: Ident
    person_token: str | None = Field(default=None, min_length=8, max_length=512)
    priority: bool = Field(default=False, strict=True)
    """Elderly, disabled, pregnant: served at the priority window."""


class QueueTicket(ContractModel):
    ticket_id: str
    number: str
    """What is called out and shown on the hall screen, e.g. ``A023``."""
    service_code: str
    window: str
    window_en: str
    position: int = Field(ge=0)
    """Citizens ahead; 0 = being called."""
    expected_wait_minutes: int = Field(ge=0)
    issued_at: datetime
    hall: str = ""
    hall_en: str = ""


class CheckInResult(ContractModel):
    appointment: Appointment
    ticket: QueueTicket
