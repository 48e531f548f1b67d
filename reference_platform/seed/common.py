"""What the seeding modules share: the hall's time zone, timestamps, record rows, codes."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from reference_platform.db import dumps

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
"""The hall's time zone: hall days, appointment days and case numbers follow it."""
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def random_code(rng: random.Random, length: int) -> str:
    """A receipt or verification code (no 0/O, 1/I look-alikes)."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def months_back(today: date, n: int) -> list[str]:
    """The ``n`` months before this one, newest first, as "YYYY-MM"."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y:04d}-{m:02d}")
    return out


def add_records(c: sqlite3.Connection, pid: str, kind: str, rows: list[dict]) -> None:
    """A citizen's records of one query kind, in the order the query pages show them."""
    for seq, row in enumerate(rows):
        c.execute("INSERT INTO records (person_id, kind, seq, json) VALUES (?, ?, ?, ?)", (pid, kind, seq, dumps(row)))
