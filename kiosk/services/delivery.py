"""Delivering a certificate print: its preview, then thermal or A4, the reprint row first.

``deliver_job`` runs in the worker pool and keeps invariant 3 of the design (a paid
print is printed, or stays reprintable, or is refunded): the job's reprint code is on
disk (``kiosk.services.reprints``) before the printer gets a byte; only a print that
completed removes it, and a paid print's ledger order is marked delivered before that,
so a crash between the two leaves the proof reprintable, never lost.

On the receipt printer the proof is the document the journey built (masked holder
data, the verification QR). On the A4 printer it is the platform's PDF, written to the
visit's private temp folder (wiped with the visit) and submitted as a print job; the
citizen sees its first page, scaled down by ``preview_png`` (in a short-lived child process,
``kiosk.services.scaled``), before choosing a printer.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from drivers.printer.a4 import A4JobState
from drivers.printer.document import Document
from drivers.printer.errors import PrinterError
from kiosk.platform.contract.certificates import Certificate
from kiosk.services.printing import print_slip
from kiosk.services.scaled import scaled_png

if TYPE_CHECKING:
    from kiosk.devices.manager import Devices
    from kiosk.platform.client import PlatformClient
    from kiosk.services.ledger import PaymentLedger
    from kiosk.services.reprints import ReprintTable

log = logging.getLogger(__name__)

THERMAL = "thermal"
A4 = "a4"
A4_WAIT_S = 90.0
"""How long an A4 job may stay queued in CUPS before the citizen is told it is still pending."""
PREVIEW_WIDTH = 720


class DeliveryContext(Protocol):
    """What delivering a print needs of the running kiosk (``kiosk.runtime.Runtime`` has all of it)."""

    devices: Devices
    client: PlatformClient
    ledger: PaymentLedger | None
    reprints: ReprintTable


@dataclass(frozen=True)
class PrintJob:
    """One proof to print; held in the visit (masked data only) until it printed."""

    code: str
    cert: Certificate
    printer: str = THERMAL
    pdf: Path | None = None
    """A4: the PDF already fetched into the visit's temp folder."""
    order_ref: str = ""
    """The payment's receipt code or order id when the print was paid for."""


@dataclass(frozen=True)
class PrintResult:
    job: PrintJob
    ok: bool
    reason: str = ""
    mid_job: bool = False
    """The printer failed during the job: a torn, unusable print may be in the tray."""
    pending: bool = False
    """A4: submitted but still queued when we stopped waiting."""

    @property
    def printed(self) -> bool:
        """The proof came out: nothing stays reprintable for it."""
        return self.ok and not self.pending


def preview_png(png: bytes, width: int = PREVIEW_WIDTH) -> bytes:
    """The platform's A4 PNG (1240 px wide) scaled down for the screen, in a child (``kiosk.services.scaled``)."""
    return scaled_png(png, width)


def deliver_job(rt: DeliveryContext, job: PrintJob, doc: Document, token: str | None, tmp_dir: Path) -> PrintResult:
    """Print ``job`` (worker pool): ``doc`` on the receipt printer, the platform's PDF on the A4 one."""
    if job.printer == A4:
        if rt.devices.a4printer is None:
            return PrintResult(job, False, "no_a4")
        pdf = job.pdf
        if pdf is None or not pdf.exists():
            data = rt.client.certificate_pdf(job.cert.cert_id, token)
            pdf = tmp_dir / f"{job.cert.cert_id}.pdf"
            pdf.write_bytes(data)
            job = replace(job, pdf=pdf)
    _remember_on_disk(rt, job)
    if job.printer == A4:
        result = _print_a4(rt, job)
    else:
        outcome = print_slip(rt.devices.printer, doc)
        result = PrintResult(job, outcome.ok, outcome.reason, outcome.printed_before_failure)
    if result.printed:
        _paid_print_delivered(rt, job)  # first: a crash between the two leaves it reprintable, never lost
        try:
            rt.reprints.remove(job.code)
        except (OSError, sqlite3.Error) as exc:
            log.error("reprint code could not be removed: %s", exc)
    log.info("certificate %s on %s: %s", job.cert.cert_id, job.printer,
             "printed" if result.printed else "pending" if result.ok else result.reason)
    return result


def _paid_print_delivered(rt: DeliveryContext, job: PrintJob) -> None:
    """The paid service reached the citizen: the ledger's order is delivered (no refund due)."""
    ledger = rt.ledger
    if not job.order_ref or ledger is None:
        return
    order = ledger.get(job.order_ref) or ledger.by_receipt(job.order_ref)
    if order is not None and not order.delivered:
        ledger.mark_delivered(order.order_id)


def _remember_on_disk(rt: DeliveryContext, job: PrintJob) -> None:
    try:
        rt.reprints.add(job.code, job.cert.cert_id)
    except (OSError, sqlite3.Error) as exc:  # the visit still holds the code; print anyway
        log.error("reprint code not saved on disk: %s", exc)


def _print_a4(rt: DeliveryContext, job: PrintJob) -> PrintResult:
    a4 = rt.devices.a4printer
    assert job.pdf is not None
    try:
        submitted = a4.submit(job.pdf, title=f"kiosk-{job.cert.cert_id}")
        state = a4.wait(submitted.job_id, timeout=A4_WAIT_S, interval=0.5)
    except PrinterError as exc:
        log.warning("A4 print of %s failed: %s", job.cert.cert_id, exc.reason)
        return PrintResult(job, False, exc.reason)
    if state is A4JobState.COMPLETED:
        return PrintResult(job, True, "completed")
    if state is A4JobState.PENDING:
        return PrintResult(job, True, "pending", pending=True)
    return PrintResult(job, False, state.value, mid_job=True)
