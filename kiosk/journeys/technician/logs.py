"""The log pages: the recent warnings and errors on screen, and the log bundle onto a USB stick.

Both show only what ``kiosk.ops.fieldops`` kept and scrubbed: numbers masked, nothing
personal. The bundle is written to the first mounted stick (or the configured folder)
in the worker pool, and its path goes to the audit log.
"""

from __future__ import annotations

import logging

from kiosk.i18n import N_, _
from kiosk.journeys.technician.page import Page
from kiosk.ops.fieldops import MEDIA_ROOTS, build_bundle, find_export_dir, write_bundle
from kiosk.views import Action, Block, Pairs, Text

audit = logging.getLogger("kiosk.audit")


class ErrorsPage(Page):
    key = "errors"
    label = N_("最近错误")

    def body(self) -> tuple[list[Block], list[Action]]:
        lines = list(reversed(self.rt.field.log.errors()))
        note = Text(_("最近 {n} 条警告和错误（号码已遮盖），最新的在前").format(n=len(lines)), "note")
        if not lines:
            return [note, Text(_("暂无警告或错误"), "note")], []
        # Label/value rows, not a four-column table: the message gets most of the width
        # instead of a quarter of it (a long one wrapped into a narrow column on the screen).
        rows = tuple((f"{line.when()[11:]} {line.level}\n{line.logger}", line.message) for line in lines)
        header = " · ".join((_("时间"), _("级别"), _("来源"))) + " | " + _("内容")
        return [note, Pairs(rows, header)], []


class ExportPage(Page):
    key = "export"
    label = N_("导出日志")

    def body(self) -> tuple[list[Block], list[Action]]:
        where = self.rt.cfg.kiosk.technician_export_dir or ", ".join(self.rt.field.media_roots or MEDIA_ROOTS)
        text = _("插入U盘，等待其挂载后按“导出日志到U盘”。导出文件包含最近的日志、设备状态和队列计数，"
                 "号码均已遮盖，不含个人信息。查找位置：{where}").format(where=where)
        return [Text(text)], [Action("export_logs", _("导出日志到U盘"))]

    def on_export_logs(self) -> None:
        rt, configured, blocked = self.rt, self.rt.cfg.kiosk.technician_export_dir, self.host.ctx.payments_blocked
        roots = rt.field.media_roots

        def export() -> str:
            target = find_export_dir(configured, roots)
            if target is None:
                return ""
            path = write_bundle(target, build_bundle(rt, payments_blocked=blocked), rt.cfg.kiosk.id)
            return str(path)

        self.run(export, self._exported, _("正在写入U盘…"))

    def _exported(self, path: str) -> None:
        if path:
            audit.info("technician exported a log bundle to %s", path)
            text = _("日志已导出：{path}。文件中的号码均已遮盖，不含个人信息；现在可以拔出U盘").format(path=path)
            self.result = (Text(text, "success"),)
            return
        where = self.rt.cfg.kiosk.technician_export_dir or ", ".join(self.rt.field.media_roots)
        text = _("没有找到U盘：请插入U盘并等待其挂载后重试（查找位置：{where}）").format(where=where)
        self.result = (Text(text, "error"),)
