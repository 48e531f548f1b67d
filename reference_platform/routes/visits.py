"""Appointment and queue routes: slots, booking, check-in and queue tickets.

Check-in and tickets serve the staffed hall, so they answer 503
``outside_hall_hours`` when the hall is closed (unless the server runs always-open).
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Header, Query, Request

from kiosk.platform.contract import (
    Appointment,
    AppointmentList,
    AppointmentSlot,
    BookAppointmentRequest,
    CheckInRequest,
    CheckInResult,
    KioskCapability,
    QueueTicket,
    QueueTicketRequest,
    SlotList,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.privacy import mask_name
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import (
    CLOSED,
    CONFLICT,
    ERRORS,
    LIMITED,
    code_missed,
    db,
    kiosk_id,
    limit_code_lookups,
    local_date,
    now,
    person_for_token,
    require_available,
    service_or_404,
)
from reference_platform.seed.appointments import refresh_demo_dates
from reference_platform.seed.common import LOCAL_TZ

router = APIRouter(tags=["appointments and queue"])
CHECK_IN_SERVICE = "440100-ZW-0902"
MINUTES_PER_CITIZEN = 6
WINDOWS = {
    "exit_entry": ("出入境窗口 21-24号", "Exit-entry windows 21-24", "C"),
    "property": ("不动产登记窗口 11-16号", "Real estate windows 11-16", "B"),
}
DEFAULT_WINDOW = ("综合窗口 1-6号", "General windows 1-6", "A")
PRIORITY_WINDOW = ("优先窗口 8号", "Priority window 8", "Y")


def keep_demo_day(request: Request) -> None:
    """On a demo platform, move the demo bookings and queue to the new day once the hall's day changes.

    Done here, where they are read, rather than by a timer: a demo that ran past midnight
    refused every demo check-in as "not today" until it was restarted.
    """
    state = request.app.state
    if state.demo and local_date(now(request)) != state.demo_day:
        state.demo_day = refresh_demo_dates(db(request), now(request))


def _appointment(request: Request, code: str) -> Appointment:
    row = db(request).one(
        "SELECT a.*, s.service_code, s.day, s.start, s.end_, p.name, p.name_en FROM appointments a"
        " JOIN appointment_slots s ON s.slot_id = a.slot_id JOIN persons p ON p.person_id = a.person_id"
        " WHERE a.code = ?",
        (code,),
    )
    if row is None:
        raise PlatformProblem(404, codes.NOT_FOUND, "no such appointment")
    svc = service_or_404(request, row["service_code"])
    return Appointment(
        appointment_code=code,
        service_code=svc.code,
        service_name=svc.name,
        service_name_en=svc.name_en,
        day=row["day"],
        start=row["start"],
        end=row["end_"],
        holder_masked_name=mask_name(row["name"] or row["name_en"]),
        status=row["status"],
    )


def _day_start(ts: float) -> float:
    return datetime.combine(local_date(ts), datetime.min.time(), LOCAL_TZ).timestamp()


def _ticket(request: Request, row: sqlite3.Row) -> QueueTicket:
    """Position = unserved tickets of the same window issued earlier the same day."""
    ahead = db(request).one(
        "SELECT COUNT(*) AS n FROM queue_tickets WHERE window = ? AND served = 0 AND issued_at < ? AND issued_at >= ?",
        (row["window"], row["issued_at"], _day_start(row["issued_at"])),
    )["n"]
    return QueueTicket(
        ticket_id=row["ticket_id"],
        number=row["number"],
        service_code=row["service_code"],
        window=row["window"],
        window_en=row["window_en"],
        position=ahead,
        expected_wait_minutes=ahead * MINUTES_PER_CITIZEN,
        issued_at=datetime.fromtimestamp(row["issued_at"], UTC),
        hall="示范政务服务中心",
        hall_en="Demo government service centre",
    )


def issue_ticket(
    request: Request, service_code: str, person_id: str | None, priority: bool, appointment_code: str | None = None
) -> QueueTicket:
    svc = service_or_404(request, service_code)
    window, window_en, letter = PRIORITY_WINDOW if priority else WINDOWS.get(svc.category, DEFAULT_WINDOW)
    if appointment_code:
        letter = "V"
    ts = now(request)
    day_start = _day_start(ts)
    with db(request).tx() as c:
        n = (
            c.execute(
                "SELECT COUNT(*) FROM queue_tickets WHERE number LIKE ? AND issued_at >= ?",
                (letter + "%", day_start),
            ).fetchone()[0]
            + 1
        )
        ticket_id = "T" + uuid.uuid4().hex[:12]
        c.execute(
            "INSERT INTO queue_tickets (ticket_id, number, service_code, window, window_en, person_id,"
            " appointment_code, issued_at, kiosk_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ticket_id, f"{letter}{n:03d}", service_code, window, window_en, person_id, appointment_code, ts,
             kiosk_id(request)),
        )
        row = c.execute("SELECT * FROM queue_tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
    return _ticket(request, row)


@router.get(paths.APPOINTMENT_SLOTS, response_model=SlotList, responses=ERRORS)
def slots(request: Request, service_code: str = Query(...)) -> SlotList:
    service_or_404(request, service_code)
    today = local_date(now(request)).isoformat()
    rows = db(request).all(
        "SELECT s.*, s.capacity - (SELECT COUNT(*) FROM appointments a WHERE a.slot_id = s.slot_id"
        " AND a.status != 'cancelled') AS remaining FROM appointment_slots s"
        " WHERE s.service_code = ? AND s.day >= ? AND s.slot_id NOT LIKE 'DEMO-%' ORDER BY s.day, s.start",
        (service_code, today),
    )
    return SlotList(
        slots=[
            AppointmentSlot(
                slot_id=r["slot_id"],
                service_code=r["service_code"],
                day=r["day"],
                start=r["start"],
                end=r["end_"],
                remaining=max(0, r["remaining"]),
            )
            for r in rows
        ]
    )


@router.post(paths.APPOINTMENTS, response_model=Appointment, status_code=201, responses={**ERRORS, **CONFLICT})
def book(body: BookAppointmentRequest, request: Request) -> Appointment:
    person_id = person_for_token(request, body.person_token)
    with db(request).tx() as c:
        slot = c.execute("SELECT * FROM appointment_slots WHERE slot_id = ?", (body.slot_id,)).fetchone()
        if slot is None:
            raise PlatformProblem(404, codes.NOT_FOUND, "no such slot")
        taken = c.execute(
            "SELECT COUNT(*) FROM appointments WHERE slot_id = ? AND status != 'cancelled'", (body.slot_id,)
        ).fetchone()[0]
        if taken >= slot["capacity"]:
            raise PlatformProblem(409, codes.CONFLICT, "the slot is full")
        code = f"{secrets.randbelow(900000) + 100000}"
        while c.execute("SELECT 1 FROM appointments WHERE code = ?", (code,)).fetchone():
            code = f"{secrets.randbelow(900000) + 100000}"
        c.execute(
            "INSERT INTO appointments (code, slot_id, person_id, status) VALUES (?, ?, ?, 'booked')",
            (code, body.slot_id, person_id),
        )
    return _appointment(request, code)


@router.get(paths.APPOINTMENTS, response_model=AppointmentList, responses=ERRORS)
def my_appointments(
    request: Request, x_person_token: str | None = Header(None, alias=paths.PERSON_TOKEN_HEADER)
) -> AppointmentList:
    person_id = person_for_token(request, x_person_token)
    keep_demo_day(request)
    rows = db(request).all("SELECT code FROM appointments WHERE person_id = ? ORDER BY code", (person_id,))
    return AppointmentList(appointments=[_appointment(request, r["code"]) for r in rows])


@router.post(
    paths.APPOINTMENT_CHECK_IN, response_model=CheckInResult, responses={**ERRORS, **CONFLICT, **CLOSED, **LIMITED}
)
def check_in(body: CheckInRequest, request: Request) -> CheckInResult:
    require_available(request, service_or_404(request, CHECK_IN_SERVICE))
    keep_demo_day(request)
    today = local_date(now(request)).isoformat()
    if body.appointment_code:
        code = body.appointment_code.strip()
        limit_code_lookups(request, "appointment code")
        if db(request).one("SELECT 1 FROM appointments WHERE code = ?", (code,)) is None:
            code_missed(request, "appointment code")
            raise PlatformProblem(404, codes.NOT_FOUND, "no such appointment")
    else:
        person_id = person_for_token(request, body.person_token)
        row = db(request).one(
            "SELECT a.code FROM appointments a JOIN appointment_slots s ON s.slot_id = a.slot_id"
            " WHERE a.person_id = ? AND s.day = ? AND a.status = 'booked' ORDER BY s.start",
            (person_id, today),
        )
        if row is None:
            raise PlatformProblem(404, codes.NOT_FOUND, "no appointment today for this citizen")
        code = row["code"]
    appt = _appointment(request, code)
    if appt.day.isoformat() != today:
        raise PlatformProblem(409, codes.CONFLICT, f"the appointment is for {appt.day.isoformat()}, not today")
    if appt.status == "checked_in":
        existing = db(request).one(
            "SELECT * FROM queue_tickets WHERE appointment_code = ? ORDER BY issued_at DESC", (code,)
        )
        if existing is not None:
            return CheckInResult(appointment=appt, ticket=_ticket(request, existing))
    elif appt.status != "booked":
        raise PlatformProblem(409, codes.CONFLICT, f"the appointment is {appt.status}")
    person = db(request).one("SELECT person_id FROM appointments WHERE code = ?", (code,))["person_id"]
    ticket = issue_ticket(request, appt.service_code, person, False, appointment_code=code)
    with db(request).tx() as c:
        c.execute("UPDATE appointments SET status = 'checked_in' WHERE code = ?", (code,))
    return CheckInResult(appointment=_appointment(request, code), ticket=ticket)


@router.post(
    paths.QUEUE_TICKETS, response_model=QueueTicket, status_code=201, responses={**ERRORS, **CONFLICT, **CLOSED}
)
def take_ticket(body: QueueTicketRequest, request: Request) -> QueueTicket:
    svc = service_or_404(request, body.service_code)
    require_available(request, service_or_404(request, "440100-ZW-0903"))
    keep_demo_day(request)
    if svc.kiosk_capability == [KioskCapability.GUIDE_ONLY] and svc.visits_needed == 0:
        raise PlatformProblem(409, codes.CONFLICT, f"{svc.code} is not handled at a window")
    person_id = person_for_token(request, body.person_token) if body.person_token else None
    return issue_ticket(request, svc.code, person_id, body.priority)


@router.get(paths.QUEUE_TICKET, response_model=QueueTicket, responses=ERRORS)
def get_ticket(ticket_id: str, request: Request) -> QueueTicket:
    """Only the kiosk that issued a ticket reads it (another kiosk gets the same 404 as for none)."""
    row = db(request).one(
        "SELECT * FROM queue_tickets WHERE ticket_id = ? AND kiosk_id = ?", (ticket_id, kiosk_id(request))
    )
    if row is None:
        raise PlatformProblem(404, codes.NOT_FOUND, "no such ticket")
    return _ticket(request, row)
