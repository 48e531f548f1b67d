"""Kiosk operations: enrolment (the one unsigned /v1 call), announcements, heartbeat."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Request

from kiosk.platform.contract import (
    AnnouncementList,
    EnrolRequest,
    EnrolResponse,
    Heartbeat,
    HeartbeatAck,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.platform.contract.operations import Announcement
from reference_platform import actions, console, enrolment
from reference_platform.problems import PlatformProblem
from reference_platform.routes import heartbeat_history, technician_audit
from reference_platform.routes._deps import ERRORS, build_catalog, db, iso, kiosk_id, now

router = APIRouter(tags=["operations"])


@router.post(paths.ENROL, response_model=EnrolResponse, status_code=201, responses=ERRORS)
def enrol(body: EnrolRequest, request: Request) -> EnrolResponse:
    """Unsigned: trades a one-off enrolment code for a kiosk id and its signing secret."""
    ts = now(request)
    kid = "kiosk-" + secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with db(request).tx() as c:
        if not enrolment.spend(c, body.enrolment_code, ts):
            raise PlatformProblem(403, codes.ENROLMENT_CODE_INVALID, "unknown, used or expired enrolment code")
        c.execute(
            "INSERT INTO kiosks (kiosk_id, secret, site_name, hardware_id, enrolled_at) VALUES (?, ?, ?, ?, ?)",
            (kid, secret, body.site_name, body.hardware_id, iso(ts)),
        )
    return EnrolResponse(kiosk_id=kid, secret=secret, enrolled_at=datetime.fromtimestamp(ts, UTC))


def _current(request: Request) -> list[Announcement]:
    ts = now(request)
    rows = db(request).all(
        "SELECT json FROM announcements WHERE valid_from <= ? AND (valid_until IS NULL OR"
        " valid_until > ?) ORDER BY announcement_id",
        (ts, ts),
    )
    return [Announcement.model_validate_json(r["json"]) for r in rows]


def _current_count(request: Request) -> int:
    """How many announcements ``_current`` would list (every heartbeat answer carries it; no models built)."""
    ts = now(request)
    row = db(request).one(
        "SELECT COUNT(*) AS n FROM announcements WHERE valid_from <= ? AND (valid_until IS NULL OR valid_until > ?)",
        (ts, ts),
    )
    return 0 if row is None else row["n"]


@router.get(paths.ANNOUNCEMENTS, response_model=AnnouncementList, responses=ERRORS)
def announcements(request: Request) -> AnnouncementList:
    return AnnouncementList(announcements=_current(request))


@router.post(paths.HEARTBEAT, response_model=HeartbeatAck, responses=ERRORS)
async def heartbeat(body: Heartbeat, request: Request) -> HeartbeatAck:
    ts = now(request)
    with db(request).tx() as c:
        c.execute(
            "UPDATE kiosks SET last_heartbeat = ?, last_heartbeat_json = ? WHERE kiosk_id = ?",
            (iso(ts), body.model_dump_json(), kiosk_id(request)),
        )
        heartbeat_history.record(c, kiosk_id(request), ts, body)
        unlock = technician_audit.unlock_at(c, kiosk_id(request))
    console.on_heartbeat(request.app, kiosk_id(request), ts)
    return HeartbeatAck(
        received_at=datetime.fromtimestamp(ts, UTC),
        catalog_version=build_catalog(request).version,
        announcements=_current_count(request),
        technician_unlock_at=unlock,
        actions=actions.pending_for(db(request), kiosk_id(request)),
    )
