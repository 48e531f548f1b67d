"""The hall's day: appointment slots and bookings, and a queue already waiting.

The demo bookings and the queue are kept on the day the demo runs (``refresh_demo_dates``
at every start), so a citizen can always check in and always has someone ahead.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

from reference_platform.db import Database
from reference_platform.seed.common import LOCAL_TZ

DEMO_BOOKINGS = [
    ("DEMO-1", "440100-CRJ-0702", "10:00", "P003", "365021"),
    ("DEMO-2", "440100-BDC-0403", "14:00", "P002", "470935"),
    ("DEMO-3", "440100-CRJ-0702", "15:00", "P008", "582244"),
]
"""(slot, service, start, person, appointment code): bookings on the day the demo runs."""
DEMO_APPOINTMENT_CODES = tuple(code for *_, code in DEMO_BOOKINGS)


def seed_appointments(c: sqlite3.Connection, today: date) -> None:
    """Slots for the next 7 days; DEMO- slots are moved to 'today' at every start (see refresh_demo_dates)."""
    for d in range(0, 7):
        day = today + timedelta(days=d)
        for svc in ("440100-CRJ-0702", "440100-BDC-0403"):
            for hour in (9, 10, 11, 14, 15, 16):
                c.execute(
                    "INSERT INTO appointment_slots (slot_id, service_code, day, start, end_, capacity)"
                    " VALUES (?, ?, ?, ?, ?, 4)",
                    (f"S{day:%Y%m%d}-{svc[-4:]}-{hour:02d}", svc, day.isoformat(), f"{hour:02d}:00", f"{hour:02d}:59"),
                )
    for slot, svc, start, pid, code in DEMO_BOOKINGS:
        c.execute(
            "INSERT INTO appointment_slots (slot_id, service_code, day, start, end_, capacity)"
            " VALUES (?, ?, ?, ?, ?, 1)",
            (slot, svc, today.isoformat(), start, start[:2] + ":59"),
        )
        c.execute(
            "INSERT INTO appointments (code, slot_id, person_id, status) VALUES (?, ?, ?, 'booked')", (code, slot, pid)
        )


def refresh_demo_dates(db: Database, now: float) -> date:
    """Keep the demo appointments and the queue ahead of the citizen on whatever day the demo runs.

    Returns that day. A demo platform runs for days (a showroom kiosk, a soak): on a new day
    the demo bookings are booked again, as a new day's bookings would be, instead of staying
    checked in (or on yesterday, where every check-in is refused as "not today").
    """
    today = datetime.fromtimestamp(now, LOCAL_TZ).date().isoformat()
    with db.tx() as c:
        moved = c.execute(
            "UPDATE appointment_slots SET day = ? WHERE slot_id LIKE 'DEMO-%' AND day != ?", (today, today)
        ).rowcount
        if moved:
            marks = ",".join("?" * len(DEMO_APPOINTMENT_CODES))
            c.execute(f"UPDATE appointments SET status = 'booked' WHERE code IN ({marks})", DEMO_APPOINTMENT_CODES)
        for n in range(1, 6):
            c.execute("UPDATE queue_tickets SET issued_at = ? WHERE ticket_id = ?", (_ahead_since(now) + n,
                                                                                      f"T-SEED-{n}"))
    return date.fromisoformat(today)


def _ahead_since(now: float) -> float:
    """When the seeded queue was issued: ten minutes ago, but never before today's midnight.

    Tickets count per hall day; seeded "ten minutes ago" just after midnight, they fell on
    yesterday and the demo queue was empty.
    """
    midnight = datetime.fromtimestamp(now, LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - 600, midnight.timestamp())


def seed_queue(c: sqlite3.Connection, now: float) -> None:
    for n in range(1, 6):
        c.execute(
            "INSERT INTO queue_tickets (ticket_id, number, service_code, window, window_en, issued_at)"
            " VALUES (?, ?, '440100-ZW-0903', '综合窗口 1-6号', 'General windows 1-6', ?)",
            (f"T-SEED-{n}", f"A{n:03d}", _ahead_since(now) + n),
        )
