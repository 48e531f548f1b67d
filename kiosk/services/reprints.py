"""Reprint codes: a print job that did not complete stays reprintable by a code (invariant 3).

Every certificate print gets a reprint code before its first byte is sent. The code is
kept twice — in the visit (with the masked certificate, so the same citizen can reprint
without identifying again) and in the ``ReprintTable`` on disk under the state folder
with nothing but ``cert_id``, the code and the time (so the proof stays reprintable after
a crash or in a new visit; the platform then serves it again only to the identified
owner). A print that completes removes both; a failed one keeps them.

A paid print is reprinted with the payment's receipt code instead: the payment ledger
keeps that code with the order from the moment the platform says "paid" (the order's
``purpose`` names the certificate, ``print:<cert_id>``) until the print came out, so
``find_reprint`` also finds a print paid for and never printed.
"""

from __future__ import annotations

import secrets
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.services.store import open_store

if TYPE_CHECKING:
    import sqlite3

    from kiosk.services.ledger import PaymentLedger

REPRINT_DB = "reprints.sqlite3"
"""The table's file in the state folder."""
REPRINT_KEEP_DAYS = 7
PRINT_PURPOSE = "print:"
"""Ledger purpose of a certificate's print fee: ``print:<cert_id>``."""
REPRINT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""Letters and digits a citizen cannot mistake for each other (no 0/O, 1/I)."""


def reprint_code(n: int = 8) -> str:
    return "".join(secrets.choice(REPRINT_ALPHABET) for _ in range(n))


@dataclass(frozen=True)
class ReprintEntry:
    code: str
    cert_id: str
    created: float


class ReprintTable:
    """Reprint codes on disk: ``code``, ``cert_id``, ``created`` and nothing personal.

    A row is on disk (``kiosk.services.store``) before the print job that needs it
    starts. Rows older than ``keep_days`` are purged on every write. Called from the
    worker pool only (disk I/O never runs on the UI thread); one short connection per
    call, so any process (the technician's, the chaos verdict's) can open the same file.
    """

    def __init__(self, path: str | Path, keep_days: int = REPRINT_KEEP_DAYS) -> None:
        self.path = Path(path)
        self.keep_s = keep_days * 86400

    def _connect(self) -> sqlite3.Connection:
        db = open_store(self.path)
        db.execute("CREATE TABLE IF NOT EXISTS reprints (code TEXT PRIMARY KEY, cert_id TEXT NOT NULL,"
                   " created REAL NOT NULL)")
        return db

    def add(self, code: str, cert_id: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with closing(self._connect()) as db:
            db.execute("DELETE FROM reprints WHERE created < ?", (now - self.keep_s,))
            db.execute("INSERT OR REPLACE INTO reprints (code, cert_id, created) VALUES (?, ?, ?)",
                       (code, cert_id, now))

    def find(self, code: str, now: float | None = None) -> ReprintEntry | None:
        now = time.time() if now is None else now
        with closing(self._connect()) as db:
            row = db.execute("SELECT code, cert_id, created FROM reprints WHERE code = ? AND created >= ?",
                             (code, now - self.keep_s)).fetchone()
        return ReprintEntry(*row) if row else None

    def remove(self, code: str) -> None:
        with closing(self._connect()) as db:
            db.execute("DELETE FROM reprints WHERE code = ?", (code,))

    def entries(self) -> list[ReprintEntry]:
        """Everything still reprintable (for the technician and tests)."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT code, cert_id, created FROM reprints ORDER BY created").fetchall()
        return [ReprintEntry(*r) for r in rows]


def find_reprint(table: ReprintTable, ledger: PaymentLedger | None, code: str) -> ReprintEntry | None:
    """What a reprint code stands for: a row of the reprint table, or a paid print still owed.

    The second is a print fee the platform took whose print never completed at this kiosk
    (whatever stopped it: paper, a crash before the job started); the citizen holds the
    payment's receipt code, and the ledger kept it with the order when it was paid.
    """
    entry = table.find(code)
    if entry is not None or ledger is None:
        return entry
    order = ledger.paid_undelivered(code, PRINT_PURPOSE)
    if order is None:
        return None
    return ReprintEntry(code, order.purpose.removeprefix(PRINT_PURPOSE), time.time())


def normalise_code(text: str) -> str:
    """What the citizen typed, as a code: upper case, no spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def looks_like_code(code: str) -> bool:
    """A kiosk reprint code (8 characters) or a platform receipt code (up to 12), same alphabet."""
    return 8 <= len(code) <= 12 and all(ch in REPRINT_ALPHABET for ch in code)
