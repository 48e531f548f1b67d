"""Enrolment codes: what a hall's administrator hands the technician for one kiosk.

The reference platform keeps them in ``enrolment_codes`` (code, uses left); ``POST
/v1/enrol`` spends one use. A new database is seeded with the public demo code
``DEMO-ENROL-2026`` (1000 uses); ``kiosk platform enrol-code`` issues real one-off codes.
"""

from __future__ import annotations

import secrets

from reference_platform.db import Database

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: codes are read aloud and typed on a touch keyboard."""


def new_code() -> str:
    """``KSK-XXXX-XXXX`` from an unambiguous alphabet (about 40 bits)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"KSK-{body[:4]}-{body[4:]}"


def issue(db: Database, code: str | None = None, uses: int = 1) -> str:
    """Add (or top up to ``uses``) an enrolment code and return it."""
    if uses < 1:
        raise ValueError("uses must be at least 1")
    code = code or new_code()
    if not 4 <= len(code) <= 64 or not code.isprintable() or code.strip() != code:
        raise ValueError("an enrolment code has 4 to 64 printable characters without surrounding spaces")
    with db.tx() as c:
        c.execute(
            "INSERT INTO enrolment_codes (code, uses_left) VALUES (?, ?)"
            " ON CONFLICT(code) DO UPDATE SET uses_left = excluded.uses_left",
            (code, uses),
        )
    return code


def uses_left(db: Database, code: str) -> int | None:
    row = db.one("SELECT uses_left FROM enrolment_codes WHERE code = ?", (code,))
    return None if row is None else int(row["uses_left"])
