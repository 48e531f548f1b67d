"""Technician audit and remote unlock: every technician action on a kiosk, kept by the platform.

The kiosk journals each action and sends it like an application (idempotent POST), so the
record survives a wiped kiosk. ``GET`` returns the signing kiosk's latest entries (its own
history; a hall manager's view would read the same table). ``request_unlock`` is an
administrator lifting a kiosk's technician PIN lock-out (``kiosk platform technician-unlock``);
the heartbeat's answer carries the time, and the kiosk resets its lock-out when it is new.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime

from fastapi import APIRouter, Query, Request

from kiosk.platform.contract import TechnicianAuditEntry, TechnicianAuditList, TechnicianAuditReceipt, paths
from reference_platform.db import Database
from reference_platform.routes._deps import ERRORS, db, iso, kiosk_id, now

router = APIRouter(tags=["operations"])


def request_unlock(db: Database, kid: str, ts: float) -> None:
    """An administrator lifts ``kid``'s technician lock-out; the kiosk learns it from its next heartbeat's answer."""
    with db.tx() as c:
        if c.execute("SELECT 1 FROM kiosks WHERE kiosk_id = ?", (kid,)).fetchone() is None:
            raise ValueError(f"no kiosk {kid!r} on this platform")
        c.execute("INSERT OR REPLACE INTO technician_unlocks (kiosk_id, requested_at) VALUES (?, ?)", (kid, ts))


def unlock_at(c: sqlite3.Connection, kid: str) -> datetime | None:
    row = c.execute("SELECT requested_at FROM technician_unlocks WHERE kiosk_id = ?", (kid,)).fetchone()
    return datetime.fromtimestamp(row[0], UTC) if row else None


@router.post(paths.TECHNICIAN_AUDIT, response_model=TechnicianAuditReceipt, status_code=201, responses=ERRORS)
def record(body: TechnicianAuditEntry, request: Request) -> TechnicianAuditReceipt:
    audit_id = "TA-" + secrets.token_hex(8)
    with db(request).tx() as c:
        c.execute("INSERT INTO technician_audit (audit_id, kiosk_id, received_at, json) VALUES (?, ?, ?, ?)",
                  (audit_id, kiosk_id(request), iso(now(request)), body.model_dump_json()))
    return TechnicianAuditReceipt(audit_id=audit_id)


@router.get(paths.TECHNICIAN_AUDIT, response_model=TechnicianAuditList, responses=ERRORS)
def entries(request: Request, limit: int = Query(20, ge=1, le=1000)) -> TechnicianAuditList:
    rows = db(request).all("SELECT json FROM technician_audit WHERE kiosk_id = ? ORDER BY rowid DESC LIMIT ?",
                           (kiosk_id(request), limit))
    return TechnicianAuditList(entries=[TechnicianAuditEntry.model_validate_json(r["json"]) for r in rows])
