"""Enrolment codes: what a hall's administrator hands the technician for one kiosk.

The reference platform keeps them in ``enrolment_codes`` (code, uses left, expiry); ``POST
/v1/enrol`` spends one. ``kiosk platform enrol-code`` issues codes that work once and
expire (``DEFAULT_TTL_S``), so a code seen over a shoulder or left on a note is worth
nothing after its kiosk enrolled or its day passed. Only a demo platform (loopback, ``--demo``)
holds the public demo code ``DEMO-ENROL-2026``, seeded for demos and tests.
"""

from __future__ import annotations

import secrets
import sqlite3
import time

from reference_platform.db import Database

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: codes are read aloud and typed on a touch keyboard."""
DEFAULT_TTL_S = 24 * 3600
MAX_TTL_S = 30 * 24 * 3600


def new_code() -> str:
    """``KSK-XXXX-XXXX`` from an unambiguous alphabet (about 40 bits)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"KSK-{body[:4]}-{body[4:]}"


def issue(db: Database, code: str | None = None, *, ttl_s: float = DEFAULT_TTL_S, now: float | None = None) -> str:
    """Add (or renew) a single-use enrolment code valid for ``ttl_s`` seconds and return it."""
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"a code is valid for more than 0 s and at most {MAX_TTL_S // 86400} days")
    code = code or new_code()
    if not 4 <= len(code) <= 64 or not code.isascii() or not code.isprintable() or code.strip() != code:
        raise ValueError("an enrolment code has 4 to 64 printable ASCII characters without surrounding spaces")
    expires = (time.time() if now is None else now) + ttl_s
    with db.tx() as c:
        c.execute(
            "INSERT INTO enrolment_codes (code, uses_left, expires_at) VALUES (?, 1, ?)"
            " ON CONFLICT(code) DO UPDATE SET uses_left = 1, expires_at = excluded.expires_at",
            (code, expires),
        )
    return code


def uses_left(db: Database, code: str) -> int | None:
    row = db.one("SELECT uses_left FROM enrolment_codes WHERE code = ?", (code,))
    return None if row is None else int(row["uses_left"])


def spend(c: sqlite3.Connection, code: str, now: float) -> bool:
    """Spend one use of ``code`` inside the caller's transaction; False when unknown, used up or expired."""
    cur = c.execute(
        "UPDATE enrolment_codes SET uses_left = uses_left - 1"
        " WHERE code = ? AND uses_left > 0 AND (expires_at IS NULL OR expires_at > ?)",
        (code, now),
    )
    return cur.rowcount == 1
