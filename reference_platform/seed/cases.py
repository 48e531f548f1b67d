"""Cases filed at a counter before the demo: one in every state a citizen's visit can find."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import date, datetime, timedelta

from reference_platform.seed.common import LOCAL_TZ, iso, random_code

CASES = [
    ("P002", "440100-GJJ-0303", "completed", 12),
    ("P002", "440100-BDC-0403", "reviewing", 2),
    ("P003", "440100-RSJ-0103", "received", 0),
    ("P004", "440100-JJ-0603", "supplement_needed", 3),
    ("P008", "440100-HJ-0802", "approved", 5),
    ("P011", "440100-CRJ-0701", "completed", 30),
]
"""(person, service, status, received how many days before seeding)."""


def seed_cases(c: sqlite3.Connection, rng: random.Random, now: float, today: date) -> None:
    for n, (pid, svc, status, days_ago) in enumerate(CASES, start=1):
        received = now - days_ago * 86400 - 3600 * (n + 1)
        case_no = f"440100{datetime.fromtimestamp(received, LOCAL_TZ):%Y%m%d}{n:06d}"
        receipt = random_code(rng, 8)
        content = hashlib.sha256(f"seed:{case_no}".encode()).hexdigest()
        c.execute(
            "INSERT INTO cases (case_no, service_code, person_id, kiosk_id, idempotency_key, content_sha256, status,"
            " receipt_code, received_at, promised_by, form_json, materials_json)"
            " VALUES (?, ?, ?, 'counter', NULL, ?, ?, ?, ?, ?, '{}', '[]')",
            (case_no, svc, pid, content, status, receipt, iso(received), (today + timedelta(days=3)).isoformat()),
        )
