"""The help button (帮办): call staff through the platform, hold the visit until they come,
or cancel the call.

A help call must not be lost when the network is: it is tried directly (so the citizen
hears how long staff will take) and, if that fails, journaled and sent by the outbox
loop, while the screen says that staff were asked and where to find the hall desk. The
call carries the moment help was pressed: one that reaches the platform too late is
recorded as missed instead of sending staff to a citizen who has gone.

While a call is open the visit is held: the screen timeout would otherwise wipe the
visit before staff arrive, leaving them an empty kiosk and the citizen starting over.
The hold lasts at most ``HELP_CALL_STALE_S`` (the age at which the platform stops
sending staff), so a citizen who walked away is still wiped. The bar's help button
becomes "cancel the call" while one is open; cancelling tells the platform, so staff
on their way turn back, and ends the hold. A call still in the journal is cancelled
through the journal too: the cancel goes out after the call (kiosk/services/outbox.py),
so the platform hears both.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from kiosk.i18n import _
from kiosk.platform.contract.feedback import HELP_CALL_STALE_S, HelpCallRequest, HelpReason
from kiosk.runtime import Runtime

log = logging.getLogger(__name__)

Run = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]
"""The visit controller's ``run``: work in the pool, its result on the UI thread if the visit still goes on."""

HOLD_S = float(HELP_CALL_STALE_S)
"""Longest a help call holds the visit against the screen timeout."""

QUEUED = "journaled"
"""``call_id`` of a call waiting in the journal: the platform has not given it an id yet."""


class HelpDesk:
    """The visit's help call, the status line the bar shows about it, and the hold it puts on the visit."""

    def __init__(self, rt: Runtime, run: Run) -> None:
        self.rt = rt
        self._run = run
        self.status = ""
        """What the bar says about the help call of this visit; empty before the first."""
        self.call_id = ""
        """The open call's platform id (``QUEUED`` while only journaled); "" when no call is open."""
        self.calling = False
        """The call is on its way to the platform (the bar shows "calling…")."""
        self.call_key = ""
        """The journal's idempotency key of a ``QUEUED`` call (what its cancel refers to)."""

    @property
    def open(self) -> bool:
        """A call is open: staff are (being) summoned and the visit is held."""
        return self.calling or bool(self.call_id)

    def reset(self) -> None:
        """A new visit, or the end of one: no call, no status (an open call is cancelled by ``cancel`` first)."""
        self.status = ""
        self.call_id = ""
        self.call_key = ""
        self.calling = False

    def call(self, screen: str, service_code: str | None, elder: bool) -> None:
        """Ask for staff at ``screen``; the caller redraws to show the "calling" line."""
        if self.open:
            return
        reason = HelpReason.ELDERLY if elder else HelpReason.QUESTION
        req = HelpCallRequest(reason=reason, screen=screen, service_code=service_code,
                              requested_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
        rt = self.rt
        self.status = _("正在呼叫工作人员…")
        self.calling = True

        def call() -> tuple[str, int | None, str]:
            try:
                answer = rt.client.call_help(req)
            except Exception as exc:
                log.warning("help call not delivered now (%s); journaled", type(exc).__name__)
                return QUEUED, None, rt.journal.enqueue("help_call", req.model_dump(mode="json"))
            return answer.call_id, answer.expected_minutes, ""

        def done(answer: tuple[str, int | None, str]) -> None:
            self.calling = False
            self.call_id, minutes, self.call_key = answer
            wait = _("请在本机旁稍候，屏幕不会自动退出")
            if minutes is not None:
                self.status = _("已通知工作人员，预计 {n} 分钟内到达。{wait}").format(n=minutes, wait=wait)
            else:
                self.status = _("已记录您的求助，工作人员将尽快到达；也可前往大厅咨询台。{wait}").format(wait=wait)

        def failed(exc: BaseException) -> None:
            self.calling = False
            self.status = _("呼叫未成功，请前往大厅咨询台或拨打12345")

        self._run(call, done, failed)

    def cancel(self, quietly: bool = False) -> None:
        """The citizen no longer needs help (or left): tell the platform so staff turn back; ends the hold.

        ``quietly`` is the end of the visit: the platform is told, nothing is shown.
        """
        call_id, call_key = self.call_id, self.call_key
        self.reset()
        if not quietly:
            self.status = _("已取消求助")
        if call_id == QUEUED and call_key:
            journal, sender = self.rt.journal, getattr(self.rt, "sender", None)

            def queue_cancel() -> None:
                try:
                    journal.enqueue("help_cancel", {"call_key": call_key})
                except Exception as exc:  # journal full or failing: staff will find the kiosk free
                    log.warning("help call cancel not journaled (%s)", type(exc).__name__)
                    return
                if sender is not None:
                    sender.kick()

            self.rt.pool.submit(queue_cancel)
            return
        if not call_id or call_id == QUEUED:
            return
        client = self.rt.client

        def cancel() -> None:
            try:
                client.cancel_help(call_id)
            except Exception as exc:  # staff find the kiosk free; nothing the citizen can do about it
                log.warning("help call cancel not delivered (%s)", type(exc).__name__)

        self.rt.pool.submit(cancel)
