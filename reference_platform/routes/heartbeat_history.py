"""Heartbeat history: every heartbeat a kiosk sends is kept (the latest ``KEEP`` per kiosk).

``kiosks.last_heartbeat_json`` only shows how a kiosk is now; a hall manager asking "since
when has printer 3 been out of paper" or "which kiosks rolled back last night" needs the
series. ``record`` is called by the heartbeat route in the same transaction that updates
``kiosks``; ``GET /v1/heartbeats`` reads the signing kiosk's own history back (its
technician screen, and the tests).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from fastapi import APIRouter, Query, Request

from kiosk.platform.contract import Heartbeat, HeartbeatHistory, HeartbeatRecord, paths
from reference_platform.routes._deps import ERRORS, db, kiosk_id

KEEP = 10_000
"""Heartbeats kept per kiosk: a week at one a minute."""

router = APIRouter(tags=["operations"])


def record(c: sqlite3.Connection, kid: str, ts: float, body: Heartbeat) -> None:
    """Store one heartbeat and drop that kiosk's oldest beyond ``KEEP``."""
    c.execute("INSERT INTO heartbeat_history (kiosk_id, received_at, json) VALUES (?, ?, ?)",
              (kid, ts, body.model_dump_json()))
    c.execute("DELETE FROM heartbeat_history WHERE kiosk_id = ? AND id <= (SELECT id FROM heartbeat_history"
              " WHERE kiosk_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)", (kid, kid, KEEP))


@router.get(paths.HEARTBEATS, response_model=HeartbeatHistory, responses=ERRORS)
def heartbeats(request: Request, limit: int = Query(20, ge=1, le=1000)) -> HeartbeatHistory:
    rows = db(request).all("SELECT received_at, json FROM heartbeat_history WHERE kiosk_id = ?"
                           " ORDER BY id DESC LIMIT ?", (kiosk_id(request), limit))
    return HeartbeatHistory(heartbeats=[
        HeartbeatRecord(received_at=datetime.fromtimestamp(r["received_at"], UTC),
                        heartbeat=Heartbeat.model_validate_json(r["json"])) for r in rows])
