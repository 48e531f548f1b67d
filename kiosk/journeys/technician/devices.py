"""The devices page: every device's state, paper and detail, and a self-test for each.

The tests talk to the devices the kiosk itself uses (the same drivers, the same status
reports): the thermal printer's real-time status and a test page (refused when the
printer is not ready, like ``kiosk doctor printer``), the A4 printer's and the card
reader's state, a scan (shown masked) and one camera frame.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from drivers.scanner.events import CodeScanned
from kiosk.devices.board import DEVICE_LABELS, DEVICE_NAMES, STATE_LABELS
from kiosk.i18n import N_, _
from kiosk.journeys.technician.page import Page, PageHost
from kiosk.services.printing import print_test_page, reason_text
from kiosk.views import Action, Block, Pairs, Picture, Progress, Table, Text

log = logging.getLogger(__name__)

SCAN_WAIT_S = 10
CAMERA_WAIT_S = 3.0
PREVIEW_SIDE = 480
MEDIA_LABELS = {
    "ok": N_("正常"),
    "near_end": N_("将用完"),
    "out": N_("缺纸"),
    "jammed": N_("卡纸"),
    "unknown": N_("未知"),
}


class DevicesPage(Page):
    key = "devices"
    label = N_("设备")

    def __init__(self, host: PageHost) -> None:
        super().__init__(host)
        self.scan_deadline: float | None = None
        """While the scanner test waits for a code: when it gives up (monotonic seconds)."""

    def opened(self) -> None:
        super().opened()
        self.scan_deadline = None

    def body(self) -> tuple[list[Block], list[Action]]:
        rows = []
        for name in DEVICE_NAMES:
            reading = self.rt.board.reading(name)
            media = _media(reading.media) if reading.media else "—"
            rows.append((_(DEVICE_LABELS[name]), _state(reading.state), media, reading.detail or "—"))
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

    def tick(self) -> bool:
        """The scanner test counts down; without a code in time it says what to check."""
        if self.scan_deadline is None:
            return False
        if time.monotonic() >= self.scan_deadline:
            self.scan_deadline = None
            self.result = (Text(_("{n} 秒内没有收到扫码：请检查扫码器的连接、模式和后缀设置").format(n=SCAN_WAIT_S),
                                "error"),)
        return True

    def on_event(self, event: object) -> bool:
        if self.scan_deadline is None or not isinstance(event, CodeScanned):
            return False  # a card or a code outside the scanner test does nothing here
        self.scan_deadline = None
        self.result = (Pairs(((_("内容"), event.masked_text), (_("类型"), event.kind.value),
                              (_("长度"), str(len(event.text))), (_("来源"), event.source)),
                             _("扫码成功")),)
        return True

    # -- the tests --------------------------------------------------------------------------
    def _device(self, name: str) -> Any:
        return getattr(self.rt.devices, name, None)

    def _missing(self, name: str) -> None:
        self.result = (Text(_("本机未配置{device}").format(device=_(DEVICE_LABELS[name])), "error"),)

    def on_test_printer(self) -> None:
        printer = self._device("printer")
        if printer is None:
            return self._missing("printer")
        self.run(printer.status, self._printer_status, _("正在读取打印机状态…"))
        return None

    def _printer_status(self, status: Any) -> None:
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
            outcome = print_test_page(printer)
            return outcome.ok, outcome.message

        self.run(work, self._test_page_done, _("正在打印测试页…"))
        return None

    def _test_page_done(self, outcome: tuple[bool, str]) -> None:
        ok, message = outcome
        self.result = (Text(message, "success" if ok else "error"),)

    def on_test_a4printer(self) -> None:
        a4 = self._device("a4printer")
        if a4 is None:
            return self._missing("a4printer")
        self.run(a4.status, lambda state: self._tracker_result("a4printer", state.value, ""),
                 _("正在读取打印机状态…"))
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
            shot = camera.snapshot(CAMERA_WAIT_S, PREVIEW_SIDE)  # made in the camera's process: no frame here
            return (shot.png, shot.width, shot.height) if shot is not None else None

        self.run(grab, self._camera_done, _("正在从摄像头取一帧…"))
        return None

    def _camera_done(self, shot: tuple[bytes, int, int] | None) -> None:
        if shot is None:
            why = _("{s} 秒内摄像头没有画面：请检查连接，或是否被其他程序占用").format(s=int(CAMERA_WAIT_S))
            self.result = (Text(why, "error"),)
            return
        png, width, height = shot
        self.result = (Picture(png, _("摄像头画面 {w}×{h}").format(w=width, h=height), 300),)


def _state(value: str) -> str:
    return _(STATE_LABELS.get(value, N_("未知")))


def _media(value: str) -> str:
    return _(MEDIA_LABELS.get(value, N_("未知")))
