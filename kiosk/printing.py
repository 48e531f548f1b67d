"""Printing on the thermal printer from a journey: one call, one typed outcome.

Journeys never see driver exceptions: ``print_slip`` (run in the worker pool) returns a
``PrintOutcome`` whose ``message`` tells the citizen what happened and what happens
next. Every slip carries a reprint code, so a job lost to paper out or a jam stays
reprintable at the counter or at this kiosk later.
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


def print_slip(printer, doc: Document) -> PrintOutcome:
    """Print ``doc`` (already masked) on ``printer``; never raises for a printer problem."""
    if printer is None:
        return PrintOutcome(False, "no_printer", _("本机未配置凭条打印机"))
    try:
        printer.print_document(doc)
    except PrinterNotReady as exc:
        log.warning("print refused: %s", exc.reason)
        return PrintOutcome(False, exc.reason, _("未能打印：{why}").format(why=reason_text(exc.reason)))
    except PrinterError as exc:
        log.warning("print failed mid-job: %s", exc.reason)
        return PrintOutcome(False, exc.reason, _("打印中断：{why}。凭条可凭回执码补打").format(
            why=reason_text(exc.reason)), printed_before_failure=True)
    return PrintOutcome(True, "ready", _("打印完成，请取走凭条"))
