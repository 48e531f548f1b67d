"""好差评 and help-call routes.

A rating's subject is a service (``service_code``) or the visit as a whole (no service code,
or the ``VISIT_SUBJECT`` older kiosks sent); visit-level ratings are stored with an empty
service code.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request

from kiosk.platform.contract import (
    BAD_LEVELS,
    HELP_CALL_STALE_S,
    Bilingual,
    HelpCall,
    HelpCallRequest,
    RatingReceipt,
    RatingRequest,
    paths,
)
from kiosk.platform.contract import problem as codes
from kiosk.platform.contract.feedback import VISIT_SUBJECT
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import (
    ERRORS,
    SUBMISSION_REFUSED,
    db,
    kiosk_id,
    now,
    person_for_submission,
    service_or_404,
)

router = APIRouter(tags=["feedback"])


@router.post(paths.RATINGS, response_model=RatingReceipt, status_code=201, responses={**ERRORS, **SUBMISSION_REFUSED})
async def rate(body: RatingRequest, request: Request) -> RatingReceipt:
    visit_level = body.service_code in (None, VISIT_SUBJECT)
    if not visit_level:
        service_or_404(request, body.service_code)
    person_id = person_for_submission(request, body.person_token, body.submitted_at) if body.person_token else None
    # A rating is linked to a case only when the case is the rating citizen's own. Any other
    # reference (someone else's case, a queue ticket number, nothing known) is dropped, not
    # refused: the rating still counts, and the answer never tells whether a case exists.
    case_no = body.case_no if body.case_no and person_id is not None else None
    if case_no and db(request).one(
        "SELECT 1 FROM cases WHERE case_no = ? AND person_id = ?", (case_no, person_id)
    ) is None:
        case_no = None
    bad = body.level in BAD_LEVELS
    rating_id = "RT" + uuid.uuid4().hex[:12]
    with db(request).tx() as c:
        c.execute(
            "INSERT INTO ratings (rating_id, kiosk_id, service_code, case_no, person_id, level, reasons, text,"
            " contact, follow_up, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rating_id,
                kiosk_id(request),
                "" if visit_level else body.service_code,
                case_no,
                person_id,
                body.level.value,
                json.dumps(body.reasons),
                body.text,
                body.contact,
                int(bad),
                now(request),
            ),
        )
    if bad:
        msg = Bilingual(
            zh_CN="感谢您的评价，工作人员将在3个工作日内与您联系并反馈处理结果。",
            en="Thank you. Staff will contact you within 3 working days and report the outcome.",
        )
    else:
        msg = Bilingual(zh_CN="感谢您的评价！", en="Thank you for your rating!")
    return RatingReceipt(rating_id=rating_id, follow_up=bad, message=msg)


_MISSED = Bilingual(zh_CN="求助送达时已超时，未派工作人员；已记入大厅服务记录。",
                   en="The call arrived too late to send staff; it is in the hall's service record.")
_CALLED = Bilingual(zh_CN="已通知工作人员，请在原地稍候。", en="Staff have been called. Please wait here.")


def _call(row: dict) -> HelpCall:
    missed = row["status"] == "missed"
    cancelled = row["status"] == "cancelled"
    return HelpCall(
        call_id=row["call_id"],
        status=row["status"],
        expected_minutes=0 if missed or cancelled else 3,
        created_at=datetime.fromtimestamp(row["created_at"], UTC),
        message=_MISSED if missed else _CANCELLED if cancelled else _CALLED,
    )


@router.post(paths.HELP_CALLS, response_model=HelpCall, status_code=201, responses=ERRORS)
def call_help(body: HelpCallRequest, request: Request) -> HelpCall:
    """A call pressed more than ``HELP_CALL_STALE_S`` ago (delivered from a kiosk's queue) is
    recorded as missed: the citizen has left, and staff must not be sent to an empty kiosk."""
    call_id = "H" + uuid.uuid4().hex[:12]
    received = now(request)
    pressed = body.requested_at.timestamp() if body.requested_at else received
    status = "missed" if received - pressed > HELP_CALL_STALE_S else "queued"
    with db(request).tx() as c:
        c.execute(
            "INSERT INTO help_calls (call_id, kiosk_id, reason, screen, service_code, note, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (call_id, kiosk_id(request), body.reason.value, body.screen, body.service_code, body.note, status,
             min(pressed, received)),
        )
    return _call(dict(db(request).one("SELECT * FROM help_calls WHERE call_id = ?", (call_id,))))


_CANCELLED = Bilingual(zh_CN="已取消求助。", en="The call for help was cancelled.")
_OPEN = ("queued", "accepted", "on_the_way")


@router.post(paths.HELP_CALL_CANCEL, response_model=HelpCall, responses=ERRORS)
def cancel_help_call(call_id: str, request: Request) -> HelpCall:
    """The citizen no longer needs help: an open call is cancelled (the hosts' console stops
    showing it); a call already closed, missed or cancelled is answered as it stands."""
    with db(request).tx() as c:
        row = c.execute("SELECT * FROM help_calls WHERE call_id = ? AND kiosk_id = ?",
                        (call_id, kiosk_id(request))).fetchone()
        if row is None:
            raise PlatformProblem(404, codes.NOT_FOUND, "no such help call")
        if row["status"] in _OPEN:
            c.execute("UPDATE help_calls SET status = 'cancelled' WHERE call_id = ?", (call_id,))
    row = dict(db(request).one("SELECT * FROM help_calls WHERE call_id = ?", (call_id,)))
    return _call(row)


@router.get(paths.HELP_CALL, response_model=HelpCall, responses=ERRORS)
def get_help_call(call_id: str, request: Request) -> HelpCall:
    row = db(request).one("SELECT * FROM help_calls WHERE call_id = ? AND kiosk_id = ?", (call_id, kiosk_id(request)))
    if row is None:
        raise PlatformProblem(404, codes.NOT_FOUND, "no such help call")
    return _call(dict(row))
