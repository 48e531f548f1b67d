"""The system page: version, configuration, uptime; the config check, restart and reboot.

The config check reads the file the kiosk was started with and reports what is wrong
or what differs from the running config, and applies nothing. Restart and reboot ask
to be confirmed first; a restart leaves technician mode (one audit line) and exits with
the code systemd restarts on, a reboot asks systemd through ``kiosk.ops.fieldops``.
"""

from __future__ import annotations

import logging
import time

from kiosk import __version__
from kiosk.i18n import N_, _
from kiosk.journeys.technician.page import Page, PageHost
from kiosk.ops.fieldops import RESTART_EXIT_CODE, CommandResult, ConfigCheck, check_config
from kiosk.views import Action, Block, Pairs, Text, View

log = logging.getLogger(__name__)
audit = logging.getLogger("kiosk.audit")


class SystemPage(Page):
    key = "system"
    label = N_("系统")

    def __init__(self, host: PageHost) -> None:
        super().__init__(host)
        self.confirm = ""
        """"restart" or "reboot" while asking to confirm it."""

    def opened(self) -> None:
        super().opened()
        self.confirm = ""

    def body(self) -> tuple[list[Block], list[Action]]:
        cfg = self.rt.cfg
        uptime = round(time.monotonic() - self.rt.started_at)
        rows = ((_("软件版本"), __version__), (_("终端编号"), cfg.kiosk.id),
                (_("配置文件"), _("演示默认配置") if cfg.demo else cfg.source),
                (_("已运行"), _("{h} 小时 {m} 分").format(h=uptime // 3600, m=uptime % 3600 // 60)))
        actions = [Action("check_config", _("检查配置文件"), "secondary"),
                   Action("restart", _("重启程序"), "danger"),
                   Action("reboot", _("重启设备"), "danger")]
        return [Pairs(rows)], actions

    def takeover(self) -> View | None:
        if not self.confirm:
            return None
        if self.confirm == "restart":
            text = _("确定重启终端程序吗？约十秒后回到待机画面。")
            label = _("确认重启程序")
        else:
            text = _("确定重启整台设备吗？约一到两分钟后回到待机画面。")
            label = _("确认重启设备")
        return View("technician.confirm", _("维护模式"), (Text(text, "lead"),),
                    (Action("confirm", label, "danger"), Action("cancel", _("取消"), "secondary")))

    # -- the config check -------------------------------------------------------------------
    def on_check_config(self) -> None:
        cfg = self.rt.cfg
        self.run(lambda: check_config(cfg), self._config_checked, _("正在检查配置文件…"))

    def _config_checked(self, check: ConfigCheck) -> None:
        if not check.path:
            self.result = (Text(_("没有配置文件：本机以演示默认配置运行"), "note"),)
        elif check.ok:
            text = _("配置文件有效：{path}。未应用任何更改，重启程序后生效").format(path=check.path)
            blocks: list[Block] = [Text(text, "success")]
            if check.changed:
                blocks.append(Text(_("与运行中的配置不同的部分：{sections}").format(sections=", ".join(check.changed))))
            self.result = tuple(blocks)
        else:
            audit.info("technician config check: %d problem(s) in %s", len(check.problems), check.path)
            self.result = (Text(_("配置文件有错误，未应用任何更改："), "error"),
                           *(Text(p, "note") for p in check.problems))

    # -- restart and reboot -----------------------------------------------------------------
    def on_restart(self) -> None:
        self.confirm = "restart"

    def on_reboot(self) -> None:
        self.confirm = "reboot"

    def on_cancel(self) -> None:
        self.confirm = ""

    def on_confirm(self) -> None:
        what, self.confirm = self.confirm, ""
        if what == "restart":
            exit_ = self.rt.field.exit
            self.host.leave("restart requested")
            exit_(RESTART_EXIT_CODE)
        elif what == "reboot":
            audit.info("technician requested a reboot")
            run = self.rt.field.run_command
            command = list(self.rt.field.reboot_command)
            self.run(lambda: run(command), self._rebooting, _("正在重启设备…"))

    def _rebooting(self, done: CommandResult) -> None:
        if done.code == 0:
            self.result = (Text(_("设备正在重启，请稍候"), "success"),)
            return
        log.warning("reboot refused: exit %d: %s", done.code, done.output)
        text = _("重启设备失败（{code}）：{why}").format(code=done.code, why=done.output or "—")
        self.result = (Text(text, "error"),)
