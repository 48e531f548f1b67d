"""Printing on the thermal printer from a journey: one call, one typed outcome.

Journeys never see driver exceptions: ``print_slip`` (run in the worker pool) returns a
``PrintOutcome`` whose ``message`` tells the citizen what happened and, through the
journey's ``then``, what happens next. Certificates get a reprint code of their own
(kiosk/journeys/certificates.py); every other slip is printed again from the screen that
offered it, where its number (case number, receipt code, queue number) stays shown.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from drivers.printer.document import Document
from drivers.printer.errors import PrinterError, PrinterNotReady
from drivers.printer.status import REASON_TEXT
from kiosk.i18n import _, current_language

log = logging.getLogger(__name__)

REPRINT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def reprint_code(n: int = 8) -> str:
    return "".join(secrets.choice(REPRINT_ALPHABET) for _ in range(n))


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    reason: str
    message: str
    printed_before_failure: bool = False
    """True when the job was sent but the printer failed during it (paper may hold a torn slip)."""


def reason_text(reason: str) -> str:
    texts = REASON_TEXT.get(reason)
    return texts.get(current_language(), texts["zh_CN"]) if texts else reason


def print_slip(printer, doc: Document, then: str = "") -> PrintOutcome:
    """Print ``doc`` (already masked) on ``printer``; never raises for a printer problem.

    ``then`` (already translated) follows the reason when the slip did not come out: what the
    citizen can do next, which only the journey knows ("press 'print receipt' again once the
    printer is back"). The message used to promise "reprint with the receipt code" for every
    slip, but only certificates have reprint codes: a citizen with a torn queue ticket or
    application receipt was sent to a code that does not exist.
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
