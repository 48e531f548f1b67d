"""``POST /v1/visit-summaries``: one ended visit, for the service figures (``reference_platform.figures``).

Idempotent twice over: the signing middleware replays a resend with the same key, and a
visit the platform already has (the kiosk resent it under another key after losing its
journal's tombstone) is answered ``duplicate`` and counted once.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from kiosk.platform.contract import VisitSummary, VisitSummaryReceipt, paths
from reference_platform import figures
from reference_platform.routes._deps import ERRORS, db, kiosk_id, now

router = APIRouter(tags=["operations"])


@router.post(paths.VISIT_SUMMARIES, response_model=VisitSummaryReceipt, status_code=201, responses=ERRORS)
def record(body: VisitSummary, request: Request) -> VisitSummaryReceipt:
    added = figures.record_summary(db(request), kiosk_id(request), body, now=now(request))
    return VisitSummaryReceipt(visit_id=body.visit_id, duplicate=not added)
