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
from collections.abc import Callable
from typing import Any

from kiosk.i18n import _
from kiosk.platform.contract.feedback import HelpCallRequest, HelpReason
from kiosk.runtime import Runtime

log = logging.getLogger(__name__)

Run = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]
"""The visit controller's ``run``: work in the pool, its result on the UI thread if the visit still goes on."""


class HelpDesk:
    """The visit's help calls and the status line the bar shows about them."""

    def __init__(self, rt: Runtime, run: Run) -> None:
        self.rt = rt
        self._run = run
        self.status = ""
        """What the bar says about the last help call of this visit; empty before the first."""

    def call(self, screen: str, service_code: str | None, elder: bool) -> None:
        """Ask for staff at ``screen``; the caller redraws to show the "calling" line."""
        reason = HelpReason.ELDERLY if elder else HelpReason.QUESTION
        req = HelpCallRequest(reason=reason, screen=screen, service_code=service_code,
                              requested_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
        rt = self.rt
        self.status = _("正在呼叫工作人员…")

        def call() -> str:
            try:
                answer = rt.client.call_help(req)
            except Exception as exc:
                log.warning("help call not delivered now (%s); journaled", type(exc).__name__)
                rt.journal.enqueue("help_call", req.model_dump(mode="json"))
                return ""
            return str(answer.expected_minutes)

        def done(minutes: str) -> None:
            self.status = (_("已通知工作人员，预计 {n} 分钟内到达").format(n=minutes) if minutes
                           else _("已记录您的求助，工作人员将尽快到达；也可前往大厅咨询台"))

        def failed(exc: BaseException) -> None:
            self.status = _("呼叫未成功，请前往大厅咨询台或拨打12345")

        self._run(call, done, failed)
