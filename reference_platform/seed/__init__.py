"""Demo data that looks real: citizens of every card type with valid check
digits, their records, cases, bills, certificates, app tokens and appointments.

Everything is derived from fixed seeds, so two fresh databases hold the same
citizens; only dates follow the day the database was created. One module per
kind of thing seeded; ``seed`` fills them in one transaction, in a fixed order (the
records, cases and certificates draw from one random generator in turn).

The demo data holds public credentials (the demo kiosk's secret, the demo enrolment
code, the citizens' app tokens), so only a demo platform gets it (``demo=True``); a
production database gets the service catalogue alone, and ``demo_credentials`` says
which demo credentials a database holds so a production start can refuse it.
"""

from __future__ import annotations

import random
import time
from datetime import datetime

from kiosk.platform.contract.demo import DEMO_KIOSK_ID
from reference_platform.db import Database
from reference_platform.seed.appointments import seed_appointments, seed_queue
from reference_platform.seed.cases import seed_cases
from reference_platform.seed.certificates import seed_certificates
from reference_platform.seed.common import LOCAL_TZ, iso
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE, seed_announcements, seed_catalog, seed_kiosk
from reference_platform.seed.payments import seed_history, seed_open_bills
from reference_platform.seed.persons import APP_TOKENS, CITIZENS, seed_persons
from reference_platform.seed.records import seed_records

SEED = 20261123


def seed(db: Database, *, now: float | None = None, demo: bool = True) -> None:
    """Fill an empty database (the demo world, or only the catalogue when not ``demo``);
    does nothing when it is already seeded."""
    if db.is_seeded():
        return
    now = time.time() if now is None else now
    if not demo:
        with db.tx() as c:
            seed_catalog(c)
            c.execute("INSERT INTO meta (key, value) VALUES ('seeded_at', ?)", (iso(now),))
            c.execute("INSERT INTO meta (key, value) VALUES ('catalog_generated_at', ?)", (iso(now),))
        return
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


def demo_credentials(db: Database) -> list[str]:
    """The public demo credentials ``db`` holds (empty for a clean production database)."""
    found = []
    if db.one("SELECT 1 FROM kiosks WHERE kiosk_id = ?", (DEMO_KIOSK_ID,)):
        found.append(f"demo kiosk {DEMO_KIOSK_ID}")
    if db.one("SELECT 1 FROM enrolment_codes WHERE code = ?", (DEMO_ENROLMENT_CODE,)):
        found.append(f"demo enrolment code {DEMO_ENROLMENT_CODE}")
    marks = ",".join("?" * len(APP_TOKENS))
    if db.one(f"SELECT 1 FROM app_tokens WHERE token IN ({marks})", tuple(APP_TOKENS.values())):
        found.append("demo citizens' app tokens")
    return found
