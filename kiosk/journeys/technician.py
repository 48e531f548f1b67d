"""Technician mode: device self-tests, platform and queue status, recent errors, log export,
configuration check, restart and reboot — behind a hidden gesture and the technician PIN.

The attract screen's gesture (five taps in the top-left corner within three seconds) sends
the ``technician`` action, which the visit controller accepts only on the attract screen:
no citizen visit is running and none can start while this mode is open. The PIN is
checked against ``[kiosk] technician_pin_hash`` by ``kiosk.ops.pin.PinGate`` (scrypt,
persisted lock-out) in the worker pool; until it is accepted no other action does
anything. The mode needs no citizen identity and holds nothing personal: a scanned code
is shown masked, the camera frame lives only on the page, and the log bundle is scrubbed.
There is no path to a shell, a desktop or a file dialog: every page is a ``View`` of
fixed buttons. Leaving (the "退出维护" button, the inactivity timeout, a restart) writes
one audit line to the log, never the PIN.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from drivers.scanner.events import CodeScanned
from kiosk.devices.status import DEVICE_LABELS, DEVICE_NAMES, STATE_LABELS
from kiosk.i18n import N_, _
from kiosk.journeys.base import Journey
from kiosk.ops.fieldops import (
    MEDIA_ROOTS,
    REBOOT_COMMAND,
    RESTART_EXIT_CODE,
    CommandResult,
    ConfigCheck,
    build_bundle,
    check_config,
    find_export_dir,
    queue_counts,
    write_bundle,
)
from kiosk.ops.pin import PinGate
from kiosk.timeouts import Phase, ScreenTimer
from kiosk.views import (
    Action,
    Block,
    Choices,
    Chrome,
    Form,
    FormField,
    Frame,
    Pairs,
    Picture,
    Progress,
    Table,
    Text,
    View,
)

if TYPE_CHECKING:
    from kiosk.journeys.controller import VisitController

log = logging.getLogger(__name__)
audit = logging.getLogger("kiosk.audit")

PIN_TIMEOUT_S = 60
TECHNICIAN_TIMEOUT_S = 180
"""Inactivity before technician mode closes by itself (the last 20 s show a countdown)."""
SCAN_WAIT_S = 10
CAMERA_WAIT_S = 3.0
PIN_STATE_FILE = "technician-pin.json"
MASK = "●"
PIN_MIN, PIN_MAX = 6, 12
PREVIEW_SIDE = 480

PAGES = ("devices", "platform", "queues", "errors", "export", "system")
PAGE_LABELS = {
    "devices": N_("设备"),
    "platform": N_("网络与平台"),
    "queues": N_("队列与订单"),
    "errors": N_("最近错误"),
    "export": N_("导出日志"),
    "system": N_("系统"),
}
MEDIA_LABELS = {
    "ok": N_("正常"),
    "near_end": N_("将用完"),
    "out": N_("缺纸"),
    "jammed": N_("卡纸"),
    "unknown": N_("未知"),
}
PIN_ACTIONS = frozenset({"field", "pin_ok"})
"""All that works before the PIN is accepted (besides leaving and the language switch)."""


class TechnicianJourney(Journey):
    name = "technician"
    needs_identity = False

    def __init__(self, ctx: VisitController) -> None:
        super().__init__(ctx)
        self.state = "pin"
        self.pin = ""
        self.pin_error = ""
        self.unlocked = False
        self.page = "devices"
        self.result: tuple[Block, ...] = ()
        """The outcome of the last test or command on the current page."""
        self.confirm = ""
        """"restart" or "reboot" while asking to confirm it."""
        self.scan_deadline: float | None = None
        self.queues: dict[str, Any] | None = None
        self.timer = ScreenTimer(PIN_TIMEOUT_S)
        self.opened_at = time.monotonic()
        self.used: list[str] = []
        """What the technician ran, for the audit line (action names only)."""
        self._locked_until = 0.0

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self._pin_hash():
            self._locked_until = time.time() + self._gate().locked_for()
        audit.info("technician PIN prompt opened from the attract screen")

    def leave(self, reason: str) -> None:
        seconds = round(time.monotonic() - self.opened_at)
        if self.unlocked:
            audit.info("technician mode left (%s) after %d s; used: %s", reason, seconds,
                       ", ".join(self.used) or "nothing")
        else:
            audit.info("technician PIN prompt closed (%s) without entering", reason)
        self.result = ()
        self.ctx.close_technician()

    def tick(self, dt: float = 1.0) -> None:
        if self.timer.phase() is Phase.EXPIRED:
            self.leave("inactivity timeout")
            return
        if self.scan_deadline is not None and time.monotonic() >= self.scan_deadline:
            self.scan_deadline = None
            self.result = (Text(_("{n} 秒内没有收到扫码：请检查扫码器的连接、模式和后缀设置").format(n=SCAN_WAIT_S),
                                "error"),)
        if self.timer.phase() is Phase.WARNING or self.scan_deadline is not None or self._locked_left() > 0:
            self.ctx.changed()
        elif not self.unlocked and self._locked_until and self._locked_left() == 0:
            self._locked_until = 0.0
            self.ctx.changed()

    def on_event(self, event: object) -> bool:
        if not (self.unlocked and self.scan_deadline is not None and isinstance(event, CodeScanned)):
            return False  # a card or a code outside the scanner test does nothing here
        self.scan_deadline = None
        self.result = (Pairs(((_("内容"), event.masked_text), (_("类型"), event.kind.value),
                              (_("长度"), str(len(event.text))), (_("来源"), event.source)),
                             _("扫码成功")),)
        self.timer.touch()
        return True

    # -- input ----------------------------------------------------------------------------
    def act(self, action: str, **args: str) -> None:
        self.timer.touch()
        if action == "end":
            self.leave("technician left")
            return
        if action == "more_time":
            return
        if action == "lang":
            self.ctx.toggle_language()
            return
        if action == "elder":
            self.ctx.elder = not self.ctx.elder
            return
        if action in ("help", "home"):
            action = "refresh"  # the bar's help button reads "刷新" in this mode
        if not self.unlocked and action not in PIN_ACTIONS:
            log.warning("technician action %r refused: PIN not entered", action)
            return
        if self.unlocked and action not in ("field",):
            self.used.append(action if action != "page" else f"page:{args.get('page', '')}")
            del self.used[:-40]
        super().act(action, **args)

    # PIN ----------------------------------------------------------------------------------
    def _pin_hash(self) -> str:
        return self.rt.cfg.kiosk.technician_pin_hash

    def _gate(self) -> PinGate:
        return PinGate(self._pin_hash(), self.rt.state_dir / PIN_STATE_FILE)

    def _locked_left(self) -> float:
        return max(0.0, self._locked_until - time.time())

    def on_field(self, name: str, value: str) -> None:
        """The keypad sends the shown value (dots) plus what was typed since; the PIN stays here."""
        if name != "pin":
            return
        kept = len(value) - len(value.lstrip(MASK))
        typed = "".join(c for c in value[kept:] if c.isdigit())
        self.pin = (self.pin[:kept] + typed)[:PIN_MAX]
        self.pin_error = ""

    def on_pin_ok(self) -> None:
        pin, self.pin = self.pin, ""
        if not self._pin_hash() or self._locked_left() > 0:
            return
        if not (PIN_MIN <= len(pin) <= PIN_MAX):
            self.pin_error = _("维护密码为 {a} 到 {b} 位数字").format(a=PIN_MIN, b=PIN_MAX)
            return
        gate = self._gate()

        def check() -> tuple[bool, float, int]:
            return gate.try_pin(pin), gate.locked_for(), gate.remaining_attempts

        self.run(check, self._pin_checked, _("正在核对维护密码…"))

    def _pin_checked(self, outcome: tuple[bool, float, int]) -> None:
        ok, locked_for, remaining = outcome
        if ok:
            self.unlocked = True
            self.state = "page"
            self.timer = ScreenTimer(TECHNICIAN_TIMEOUT_S)
            self.opened_at = time.monotonic()
            audit.info("technician mode entered (PIN accepted)")
            self.ctx.changed()
            return
        if locked_for > 0:
            self._locked_until = time.time() + locked_for
            audit.warning("technician PIN refused; prompt locked for %d s after repeated failures", round(locked_for))
        else:
            self.pin_error = _("维护密码错误，还可尝试 {n} 次").format(n=remaining)
            audit.warning("technician PIN refused (%d attempt(s) left before the lock-out)", remaining)
        self.ctx.changed()

    # pages --------------------------------------------------------------------------------
    def on_page(self, page: str = "devices") -> None:
        if page not in PAGES:
            return
        self.page, self.result, self.confirm, self.scan_deadline = page, (), "", None
        if page == "queues":
            self._load_queues()
        self.ctx.changed()

    def on_refresh(self) -> None:
        if self.page == "queues":
            self._load_queues()
        self.ctx.changed()

    def _load_queues(self) -> None:
        self.queues = None
        rt = self.rt
        self.run(lambda: queue_counts(rt), self._queues_loaded, _("正在读取…"), self._failed_result)

    def _queues_loaded(self, counts: dict[str, Any]) -> None:
        self.queues = counts

    def _failed_result(self, exc: BaseException) -> None:
        log.warning("technician %s page: %s: %s", self.page, type(exc).__name__, exc)
        self.result = (Text(_("操作失败：{why}").format(why=type(exc).__name__), "error"),)

    # device tests -------------------------------------------------------------------------
    def _device(self, name: str) -> Any:
        return getattr(self.rt.devices, name, None)

    def _missing(self, name: str) -> None:
        self.result = (Text(_("本机未配置{device}").format(device=_(DEVICE_LABELS[name])), "error"),)

    def on_test_printer(self) -> None:
        printer = self._device("printer")
        if printer is None:
            return self._missing("printer")
        self.run(printer.status, self._printer_status, _("正在读取打印机状态…"), self._failed_result)
        return None

    def _printer_status(self, status: Any) -> None:
        from kiosk.services.printing import reason_text

        title = DEVICE_LABELS["printer"]
        raw = " ".join(f"{k}={v}" for k, v in status.as_dict()["raw"].items()) or "—"
        self.result = (Pairs(((_("状态"), _state(status.state.value)), (_("纸张"), _media(status.media.value)),
                              (_("原因"), f"{status.reason.value}: {reason_text(status.reason.value)}"),
                              (_("状态字节"), raw)), _(title)),)

    def on_test_page(self) -> None:
        printer = self._device("printer")
        if printer is None:
            return self._missing("printer")

        def work() -> tuple[bool, str]:
            from kiosk.commands.doctor_printer import self_test_document
            from kiosk.services.printing import print_slip, reason_text

            before = printer.status()  # like `kiosk doctor printer`: nothing is sent to a printer not ready
            if not before.ready:
                return False, _("已拒绝打印测试页：{why}").format(why=reason_text(before.reason.value))
            outcome = print_slip(printer, self_test_document(printer.link.describe, before.as_dict()))
            return outcome.ok, _("测试页已打印") if outcome.ok else outcome.message

        self.run(work, self._test_page_done, _("正在打印测试页…"), self._failed_result)
        return None

    def _test_page_done(self, outcome: tuple[bool, str]) -> None:
        ok, message = outcome
        self.result = (Text(message, "success" if ok else "error"),)

    def on_test_a4printer(self) -> None:
        a4 = self._device("a4printer")
        if a4 is None:
            return self._missing("a4printer")
        self.run(a4.status, lambda state: self._tracker_result("a4printer", state.value, ""),
                 _("正在读取打印机状态…"), self._failed_result)
        return None

    def on_test_idreader(self) -> None:
        reader = self._device("idreader")
        if reader is None:
            return self._missing("idreader")
        snap = reader.status.snapshot()
        self._tracker_result("idreader", str(snap["state"]), str(snap["detail"] or ""), getattr(reader, "port", ""))
        return None

    def _tracker_result(self, name: str, state: str, detail: str, port: str = "") -> None:
        rows = [(_("状态"), _state(state))]
        if port:
            rows.append((_("端口"), port))
        if detail:
            rows.append((_("说明"), detail))
        self.result = (Pairs(tuple(rows), _(DEVICE_LABELS[name])),)

    def on_test_scanner(self) -> None:
        if self._device("scanner") is None:
            return self._missing("scanner")
        self.result = ()
        self.scan_deadline = time.monotonic() + SCAN_WAIT_S
        return None

    def on_cancel_scan(self) -> None:
        self.scan_deadline = None

    def on_test_camera(self) -> None:
        camera = self._device("camera")
        if camera is None:
            return self._missing("camera")

        def grab() -> tuple[bytes, int, int] | None:
            last = camera.latest()
            frame = camera.wait_next(last.seq if last else 0, CAMERA_WAIT_S)
            return _preview(frame.image) if frame is not None else None

        self.run(grab, self._camera_done, _("正在从摄像头取一帧…"), self._failed_result)
        return None

    def _camera_done(self, shot: tuple[bytes, int, int] | None) -> None:
        if shot is None:
            why = _("{s} 秒内摄像头没有画面：请检查连接，或是否被其他程序占用").format(s=int(CAMERA_WAIT_S))
            self.result = (Text(why, "error"),)
            return
        png, width, height = shot
        self.result = (Picture(png, _("摄像头画面 {w}×{h}").format(w=width, h=height), 300),)

    # platform -----------------------------------------------------------------------------
    def on_test_platform(self) -> None:
        client = self.rt.client

        def call() -> tuple[float, int]:
            started = time.perf_counter()
            answer = client.announcements()
            return (time.perf_counter() - started) * 1000, len(getattr(answer, "announcements", answer))

        self.run(call, self._platform_done, _("正在调用平台…"), self._platform_failed)

    def _platform_done(self, outcome: tuple[float, int]) -> None:
        ms, count = outcome
        text = _("平台应答正常（签名请求“公告”），用时 {ms} 毫秒，{n} 条公告").format(ms=round(ms), n=count)
        self.result = (Text(text, "success"),)

    def _platform_failed(self, exc: BaseException) -> None:
        from kiosk.platform.errors import PlatformError

        why = type(exc).__name__
        if isinstance(exc, PlatformError):
            why = f"{why}: {exc.code} (HTTP {exc.status})"
        log.warning("technician platform test failed: %s", why)
        self.result = (Text(_("平台调用失败：{why}").format(why=why), "error"),)

    # export -------------------------------------------------------------------------------
    def on_export_logs(self) -> None:
        rt, configured, blocked = self.rt, self.rt.cfg.kiosk.technician_export_dir, self.ctx.payments_blocked
        roots = rt.field.media_roots

        def export() -> str:
            target = find_export_dir(configured, roots)
            if target is None:
                return ""
            path = write_bundle(target, build_bundle(rt, payments_blocked=blocked), rt.cfg.kiosk.id)
            return str(path)

        self.run(export, self._exported, _("正在写入U盘…"), self._failed_result)

    def _exported(self, path: str) -> None:
        if path:
            audit.info("technician exported a log bundle to %s", path)
            text = _("日志已导出：{path}。文件中的号码均已遮盖，不含个人信息；现在可以拔出U盘").format(path=path)
            self.result = (Text(text, "success"),)
            return
        where = self.rt.cfg.kiosk.technician_export_dir or ", ".join(self.rt.field.media_roots)
        text = _("没有找到U盘：请插入U盘并等待其挂载后重试（查找位置：{where}）").format(where=where)
        self.result = (Text(text, "error"),)

    # system -------------------------------------------------------------------------------
    def on_check_config(self) -> None:
        cfg = self.rt.cfg
        self.run(lambda: check_config(cfg), self._config_checked, _("正在检查配置文件…"), self._failed_result)

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
            self.leave("restart requested")
            exit_(RESTART_EXIT_CODE)
        elif what == "reboot":
            audit.info("technician requested a reboot")
            run = self.rt.field.run_command
            self.run(lambda: run(list(REBOOT_COMMAND)), self._rebooting, _("正在重启设备…"), self._failed_result)

    def _rebooting(self, done: CommandResult) -> None:
        if done.code == 0:
            self.result = (Text(_("设备正在重启，请稍候"), "success"),)
            return
        log.warning("reboot refused: exit %d: %s", done.code, done.output)
        text = _("重启设备失败（{code}）：{why}").format(code=done.code, why=done.output or "—")
        self.result = (Text(text, "error"),)

    # -- what to show ---------------------------------------------------------------------
    def frame(self) -> Frame:
        view = self.decorate(self.view())
        ctl = self.ctx
        countdown = self.timer.countdown() if self.timer.phase() is Phase.WARNING else None
        labels = (
            ("help", _("刷新")), ("home", _("首页")), ("lang", "English" if ctl.language == "zh_CN" else "中文"),
            ("elder", _("标准模式") if ctl.elder else _("长辈模式")), ("end", _("退出维护")),
            ("more_time", _("继续维护")),
            ("countdown", _("{n} 秒后将退出维护模式").format(n=countdown or 0)),
        )
        chrome = Chrome(language=ctl.language, elder=ctl.elder, countdown=countdown, identity=_("维护模式"),
                        can_go_home=False, labels=labels)
        return Frame(view, chrome)

    def view(self) -> View:
        if not self.unlocked:
            return self._pin_view()
        if self.confirm:
            return self._confirm_view()
        blocks, actions = getattr(self, f"_view_{self.page}")()
        nav = Choices(tuple(Action("page", _(PAGE_LABELS[p]), "primary" if p == self.page else "secondary",
                                   args=(("page", p),)) for p in PAGES), columns=3)
        title = _("维护模式") + " · " + _(PAGE_LABELS[self.page])
        return View(f"technician.{self.page}", title, (nav, *blocks, *self.result), tuple(actions))

    def _pin_view(self) -> View:
        title = _("维护模式")
        cancel = Action("end", _("取消"), "secondary")
        if not self._pin_hash():
            return View("technician.no_pin", title,
                        (Text(_("未配置维护密码，无法进入维护模式：请运行 kiosk provision 设置维护密码"), "error"),),
                        (cancel,))
        left = self._locked_left()
        if left > 0:
            minutes, seconds = divmod(int(left + 0.999), 60)
            text = _("维护密码错误次数过多，已锁定：请 {m} 分 {s} 秒后再试").format(m=minutes, s=seconds)
            return View("technician.locked", title, (Text(text, "error"),), (cancel,))
        field = FormField("pin", _("维护密码"), MASK * len(self.pin), self.pin_error, keyboard="digits")
        return View("technician.pin", title, (Text(_("请输入维护密码"), "lead"), Form((field,), "pin")),
                    (Action("pin_ok", _("确定")), cancel))

    def _confirm_view(self) -> View:
        if self.confirm == "restart":
            text = _("确定重启终端程序吗？约十秒后回到待机画面。")
            label = _("确认重启程序")
        else:
            text = _("确定重启整台设备吗？约一到两分钟后回到待机画面。")
            label = _("确认重启设备")
        return View("technician.confirm", _("维护模式"), (Text(text, "lead"),),
                    (Action("confirm", label, "danger"), Action("cancel", _("取消"), "secondary")))

    def _view_devices(self) -> tuple[list[Block], list[Action]]:
        states = self.rt.status.snapshot().devices
        reports = {r.name: r for r in self.rt.board.reports()}
        rows = []
        for name in DEVICE_NAMES:
            report = reports.get(name)
            state = report.state if report else states.get(name, "unknown")
            media = _media(report.media) if report and report.media else "—"
            rows.append((_(DEVICE_LABELS[name]), _state(state), media, (report.detail if report else "") or "—"))
        blocks: list[Block] = [Table((_("设备"), _("状态"), _("纸张"), _("说明")), tuple(rows))]
        if self.scan_deadline is not None:
            left = max(0, int(self.scan_deadline - time.monotonic() + 0.999))
            blocks.append(Progress(_("请现在把条码或二维码对准扫码器"), left))
            return blocks, [Action("cancel_scan", _("停止扫码测试"), "secondary")]
        has = {name: self._device(name) is not None for name in DEVICE_NAMES}
        actions = [
            Action("test_printer", _("打印机状态"), "secondary", has["printer"]),
            Action("test_page", _("打印测试页"), "primary", has["printer"]),
            Action("test_idreader", _("读卡器状态"), "secondary", has["idreader"]),
            Action("test_scanner", _("扫码测试"), "primary", has["scanner"]),
            Action("test_camera", _("拍照测试"), "primary", has["camera"]),
            Action("test_a4printer", _("A4打印机状态"), "secondary", has["a4printer"]),
        ]
        return blocks, actions

    def _view_platform(self) -> tuple[list[Block], list[Action]]:
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

    def _view_queues(self) -> tuple[list[Block], list[Action]]:
        q = self.queues
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
                (_("暂停收费"), _("是") if self.ctx.payments_blocked else _("否"))]
        return [Pairs(tuple(rows))], []

    def _view_errors(self) -> tuple[list[Block], list[Action]]:
        lines = list(reversed(self.rt.field.log.errors()))
        note = Text(_("最近 {n} 条警告和错误（号码已遮盖），最新的在前").format(n=len(lines)), "note")
        if not lines:
            return [note, Text(_("暂无警告或错误"), "note")], []
        # Label/value rows, not a four-column table: the message gets most of the width
        # instead of a quarter of it (a long one wrapped into a narrow column on the screen).
        rows = tuple((f"{line.when()[11:]} {line.level}\n{line.logger}", line.message) for line in lines)
        header = " · ".join((_("时间"), _("级别"), _("来源"))) + " | " + _("内容")
        return [note, Pairs(rows, header)], []

    def _view_export(self) -> tuple[list[Block], list[Action]]:
        where = self.rt.cfg.kiosk.technician_export_dir or ", ".join(self.rt.field.media_roots or MEDIA_ROOTS)
        text = _("插入U盘，等待其挂载后按“导出日志到U盘”。导出文件包含最近的日志、设备状态和队列计数，"
                 "号码均已遮盖，不含个人信息。查找位置：{where}").format(where=where)
        return [Text(text)], [Action("export_logs", _("导出日志到U盘"))]

    def _view_system(self) -> tuple[list[Block], list[Action]]:
        from kiosk import __version__

        cfg = self.rt.cfg
        uptime = round(time.monotonic() - self.rt.started_at)
        rows = ((_("软件版本"), __version__), (_("终端编号"), cfg.kiosk.id),
                (_("配置文件"), _("演示默认配置") if cfg.demo else cfg.source),
                (_("已运行"), _("{h} 小时 {m} 分").format(h=uptime // 3600, m=uptime % 3600 // 60)))
        actions = [Action("check_config", _("检查配置文件"), "secondary"),
                   Action("restart", _("重启程序"), "danger"),
                   Action("reboot", _("重启设备"), "danger")]
        return [Pairs(rows)], actions


def _state(value: str) -> str:
    return _(STATE_LABELS.get(value, N_("未知")))


def _media(value: str) -> str:
    return _(MEDIA_LABELS.get(value, N_("未知")))


def _preview(image: Any) -> tuple[bytes, int, int]:
    """A camera frame (BGR) scaled down and encoded as PNG for the screen; the original size too."""
    import cv2

    height, width = image.shape[:2]
    scale = min(1.0, PREVIEW_SIDE / max(width, height))
    small = cv2.resize(image, (max(1, int(width * scale)), max(1, int(height * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1.0 else image
    ok, png = cv2.imencode(".png", small)
    if not ok:
        raise ValueError("the frame could not be encoded")
    return png.tobytes(), width, height
