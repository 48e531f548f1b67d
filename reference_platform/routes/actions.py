"""``POST /v1/actions/{action_id}/ack``: a kiosk answers a remote action it got with a heartbeat.

Only the action's own kiosk may answer it: another kiosk's action id is a 404, like one
never issued, so action ids cannot be probed. The work is ``reference_platform.actions``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Path, Request

from kiosk.platform.contract import ActionAck, ActionAckReceipt, paths
from kiosk.platform.contract import problem as codes
from kiosk.platform.contract.types import IDENT
from reference_platform import actions
from reference_platform.problems import PlatformProblem
from reference_platform.routes._deps import ERRORS, db, kiosk_id, now

router = APIRouter(tags=["operations"])


@router.post(paths.ACTION_ACK, response_model=ActionAckReceipt, responses=ERRORS)
def ack(body: ActionAck, request: Request,
        action_id: str = Path(min_length=1, max_length=64, pattern=IDENT)) -> ActionAckReceipt:
    ts = now(request)
    try:
        status = actions.record_ack(db(request), kiosk_id(request), action_id, body, now=ts)
    except actions.UnknownAction:
        raise PlatformProblem(404, codes.NOT_FOUND, f"no action {action_id!r} for this kiosk") from None
    except actions.ActionError as exc:
        raise PlatformProblem(422, codes.VALIDATION, str(exc)) from None
    return ActionAckReceipt(action_id=action_id, status=status, received_at=datetime.fromtimestamp(ts, UTC))
