"""Demo data that looks real: citizens of every card type with valid check
digits, their records, cases, bills, certificates, app tokens and appointments.

Everything is derived from fixed seeds, so two fresh databases hold the same
citizens; only dates follow the day the database was created. One module per
kind of thing seeded; ``seed`` fills them in one transaction, in a fixed order (the
records, cases and certificates draw from one random generator in turn).
"""

from __future__ import annotations

import random
import time
from datetime import datetime

from reference_platform.db import Database
from reference_platform.seed.appointments import seed_appointments, seed_queue
from reference_platform.seed.cases import seed_cases
from reference_platform.seed.certificates import seed_certificates
from reference_platform.seed.common import LOCAL_TZ, iso
from reference_platform.seed.operations import seed_announcements, seed_catalog, seed_kiosk
from reference_platform.seed.payments import seed_history, seed_open_bills
from reference_platform.seed.persons import CITIZENS, seed_persons
from reference_platform.seed.records import seed_records

SEED = 20261123


def seed(db: Database, *, now: float | None = None) -> None:
    """Fill an empty database; does nothing when it is already seeded."""
    if db.is_seeded():
        return
    now = time.time() if now is None else now
    today = datetime.fromtimestamp(now, LOCAL_TZ).date()
    rng = random.Random(SEED)
    with db.tx() as c:
        seed_kiosk(c, now)
        seed_catalog(c)
        seed_persons(c)
        for p in CITIZENS:
            seed_records(c, p, rng, today)
        seed_open_bills(c)
        seed_cases(c, rng, now, today)
        seed_certificates(c, rng, today)
        seed_appointments(c, today)
        seed_queue(c, now)
        seed_announcements(c, now)
        seed_history(c, now)
        c.execute("INSERT INTO meta (key, value) VALUES ('seeded_at', ?)", (iso(now),))
        c.execute("INSERT INTO meta (key, value) VALUES ('catalog_generated_at', ?)", (iso(now),))
