"""Printing on the thermal printer from a journey: one call, one typed outcome; printer status.

Journeys never see driver exceptions: ``print_slip`` (run in the worker pool) returns a
``PrintOutcome`` whose ``message`` tells the citizen what happened and, through the
journey's ``then``, what happens next. Certificates get a reprint code of their own
(kiosk/services/delivery.py, kiosk/services/reprints.py); every other slip is printed
again from the screen that offered it, where its number (case number, receipt code,
queue number) stays shown. ``thermal_status`` and ``a4_status`` say, from the drivers'
last reading, whether a printer can print now, in the citizen's words, so a journey
greys out a printer that cannot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.base import DeviceState
from drivers.printer.doctor import self_test_document
from drivers.printer.document import Document
from drivers.printer.errors import PrinterError, PrinterNotReady
from drivers.printer.realtime import REASON_TEXT
from kiosk.i18n import _, pair

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    reason: str
    message: str
    printed_before_failure: bool = False
    """True when the job was sent but the printer failed during it (paper may hold a torn slip)."""


def reason_text(reason: str) -> str:
    texts = REASON_TEXT.get(reason)
    return pair(texts) if texts else reason


def print_slip(printer, doc: Document, then: str = "") -> PrintOutcome:
    """Print ``doc`` (already masked) on ``printer``; never raises for a printer problem.

    ``then`` (already translated) follows the reason when the slip did not come out: what the
    citizen can do next, which only the journey knows ("press 'print receipt' again once the
    printer is back"). This function cannot promise "reprint with the receipt code" itself:
    only certificates have reprint codes, and a citizen with a torn queue ticket or
    application receipt would be sent to a code that does not exist.
    """
    if printer is None:
        return PrintOutcome(False, "no_printer", _("本机未配置凭条打印机"))
    try:
        printer.print_document(doc)
    except PrinterNotReady as exc:
        log.warning("print refused: %s", exc.reason)
        message = _("未能打印：{why}。{then}").format(why=reason_text(exc.reason), then=then)
        return PrintOutcome(False, exc.reason, message.strip())
    except PrinterError as exc:
        log.warning("print failed mid-job: %s", exc.reason)
        message = _("打印中断：{why}。已打出的部分无效，请交给工作人员。{then}").format(
            why=reason_text(exc.reason), then=then)
        return PrintOutcome(False, exc.reason, message.strip(), printed_before_failure=True)
    return PrintOutcome(True, "ready", _("打印完成，请取走凭条"))


def print_test_page(printer) -> PrintOutcome:
    """The printer's self-test slip, like ``kiosk doctor printer``: nothing is sent to a printer not ready.

    Technician mode's devices page and the platform's remote ``print_test_page`` both print it.
    """
    if printer is None:
        return PrintOutcome(False, "no_printer", _("本机未配置凭条打印机"))
    before = printer.status()
    if not before.ready:
        return PrintOutcome(False, before.reason.value,
                            _("已拒绝打印测试页：{why}").format(why=reason_text(before.reason.value)))
    outcome = print_slip(printer, self_test_document(printer.link.describe, before.as_dict()))
    return PrintOutcome(True, "ready", _("测试页已打印")) if outcome.ok else outcome


def thermal_status(printer) -> tuple[bool, str]:
    """(can print now, what to tell the citizen) from the driver's last reading."""
    if printer is None:
        return False, _("本机未配置凭条打印机")
    if printer.state is DeviceState.BUSY:
        return False, reason_text("printing")
    status = printer.last_status
    return status.ready, reason_text(status.reason.value)


def a4_status(a4) -> tuple[bool, str]:
    """The same for the A4 printer, from the state its tracker last saw (CUPS does not say more)."""
    if a4 is None:
        return False, _("本机未配置A4打印机")
    state = a4.tracker.state
    if state in (DeviceState.ONLINE, DeviceState.BUSY):
        return True, _("A4打印机就绪")
    if state is DeviceState.USER_ERROR:
        return False, _("A4打印机需要处理（缺纸、卡纸或已暂停），请联系工作人员")
    return False, _("A4打印机暂不可用，请联系工作人员")


def refresh_statuses(*printers) -> None:
    """Ask the printers now (worker pool): the poller's last reading may be seconds old."""
    for device in printers:
        if device is None:
            continue
        try:
            device.status()
        except Exception as exc:  # a status probe must never break the journey
            log.info("printer status refresh failed: %s", type(exc).__name__)
