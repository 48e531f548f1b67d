"""The help button (帮办): call staff through the platform, or queue the call when it is down.

A help call must not be lost when the network is: it is tried directly (so the citizen
hears how long staff will take) and, if that fails, journaled and sent by the outbox
loop, while the screen says that staff were asked and where to find the hall desk. The
call carries the moment help was pressed: one that reaches the platform too late is
recorded as missed instead of sending staff to a citizen who has gone.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from kiosk.i18n import _
from kiosk.platform.contract.feedback import HelpCallRequest, HelpReason

if TYPE_CHECKING:
    from kiosk.journeys.controller import VisitController

log = logging.getLogger(__name__)


def request_help(ctl: VisitController) -> None:
    """Start a help call for the current screen; the status line in the bar tells the citizen."""
    journey = ctl.current
    screen = ctl.history[-1] if ctl.history else "attract"
    service = getattr(getattr(journey, "service", None), "code", None)
    reason = HelpReason.ELDERLY if ctl.elder else HelpReason.QUESTION
    req = HelpCallRequest(reason=reason, screen=screen, service_code=service,
                          requested_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
    runtime = ctl.runtime
    ctl.help_status = _("正在呼叫工作人员…")
    ctl.changed()

    def call() -> str:
        try:
            answer = runtime.client.call_help(req)
        except Exception as exc:
            log.warning("help call not delivered now (%s); journaled", type(exc).__name__)
            runtime.journal.enqueue("help_call", req.model_dump(mode="json"))
            return ""
        return str(answer.expected_minutes)

    def done(minutes: str) -> None:
        ctl.help_status = (_("已通知工作人员，预计 {n} 分钟内到达").format(n=minutes) if minutes
                           else _("已记录您的求助，工作人员将尽快到达；也可前往大厅咨询台"))

    def failed(exc: BaseException) -> None:
        ctl.help_status = _("呼叫未成功，请前往大厅咨询台或拨打12345")

    ctl.run(call, done, failed)
