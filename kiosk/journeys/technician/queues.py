"""The queues and orders page: what waits in the journal's outbox, and payments not settled.

The counts are read in the worker pool each time the page opens or the bar's "刷新" is
pressed; they are numbers only, nothing of a citizen.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import N_, _
from kiosk.journeys.technician.page import Page, PageHost
from kiosk.ops.fieldops import queue_counts
from kiosk.views import Action, Block, Pairs, Text


class QueuesPage(Page):
    key = "queues"
    label = N_("队列与订单")

    def __init__(self, host: PageHost) -> None:
        super().__init__(host)
        self.counts: dict[str, Any] | None = None
        """The last counts read (``kiosk.ops.fieldops.queue_counts``); None while reading."""

    def opened(self) -> None:
        super().opened()
        self.refresh()

    def refresh(self) -> None:
        self.counts = None
        rt = self.rt
        self.run(lambda: queue_counts(rt), self._loaded, _("正在读取…"))

    def _loaded(self, counts: dict[str, Any]) -> None:
        self.counts = counts

    def body(self) -> tuple[list[Block], list[Action]]:
        q = self.counts
        if q is None:
            return [Text(_("正在读取…"), "note")], []
        outbox = q.get("outbox", {})
        rows = [(_("待发送"), str(outbox.get("pending", 0))), (_("被平台拒收"), str(outbox.get("rejected", 0))),
                (_("无法解密（已保留）"), str(outbox.get("unreadable", 0))),
                (_("已送达（已清除内容）"), str(outbox.get("delivered", 0))),
                (_("日志队列深度"), str(q.get("depth", 0))),
                (_("日志文件大小"), f"{q.get('size_bytes', 0) / 1024:.0f} KiB"),
                (_("未结清的支付订单"), str(q.get("unsettled_orders", 0))),
                (_("已支付未交付"), str(q.get("paid_not_delivered", 0))),
                (_("暂停收费"), _("是") if self.host.ctx.payments_blocked else _("否"))]
        return [Pairs(tuple(rows))], []
