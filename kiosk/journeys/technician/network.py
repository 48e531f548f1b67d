"""The network and platform page: where the platform is, whether it answers, the last poll.

"测试平台连接" makes one signed request (the announcements) and times it, so a wrong
clock or key shows here as the platform's refusal, not as a dead network.
"""

from __future__ import annotations

import logging
import time

from kiosk.i18n import N_, _
from kiosk.journeys.technician.page import Page
from kiosk.platform.errors import PlatformError
from kiosk.views import Action, Block, Pairs, Text

log = logging.getLogger(__name__)


class PlatformPage(Page):
    key = "platform"
    label = N_("网络与平台")

    def body(self) -> tuple[list[Block], list[Action]]:
        snap = self.rt.status.snapshot()
        if snap.platform_reachable is None:
            reach = _("尚未检查")
        else:
            reach = _("正常") if snap.platform_reachable else _("无法连接")
        poll = self.rt.field.last_poll
        if poll is None:
            seen = _("尚无")
        else:
            seen = _("{time}（{n} 秒前）").format(time=time.strftime("%H:%M:%S", time.localtime(poll.at)),
                                               n=max(0, round(time.time() - poll.at)))
        url = self.rt.cfg.platform.url or _("演示平台（本机）")
        rows = ((_("平台地址"), url), (_("终端编号"), self.rt.cfg.kiosk.id), (_("平台连接"), reach),
                (_("说明"), snap.platform_detail or "—"), (_("最近一次轮询"), seen))
        return [Pairs(rows)], [Action("test_platform", _("测试平台连接"))]

    def on_test_platform(self) -> None:
        client = self.rt.client

        def call() -> tuple[float, int]:
            started = time.perf_counter()
            answer = client.announcements()
            return (time.perf_counter() - started) * 1000, len(getattr(answer, "announcements", answer))

        self.host.run(call, self._platform_done, _("正在调用平台…"), self._platform_failed)

    def _platform_done(self, outcome: tuple[float, int]) -> None:
        ms, count = outcome
        text = _("平台应答正常（签名请求“公告”），用时 {ms} 毫秒，{n} 条公告").format(ms=round(ms), n=count)
        self.result = (Text(text, "success"),)

    def _platform_failed(self, exc: BaseException) -> None:
        why = type(exc).__name__
        if isinstance(exc, PlatformError):
            why = f"{why}: {exc.code} (HTTP {exc.status})"
        log.warning("technician platform test failed: %s", why)
        self.result = (Text(_("平台调用失败：{why}").format(why=why), "error"),)
