"""Technician actions go to the platform, not only to the kiosk's own journal.

Technician mode logs every action on the ``kiosk.audit`` logger (PIN prompt opened, PIN
refused, a device test, a log export, a restart). A journal on the kiosk is exactly what
someone with physical access could wipe, so each record is also queued in the outbox as a
``technician_audit`` item and delivered like an application: durable across a crash or a
pulled plug, exactly once, when the platform is reachable again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from kiosk.platform.contract.operations import TechnicianAuditEntry
from kiosk.privacy import scrub

AUDIT_LOGGER = "kiosk.audit"
KIND = "technician_audit"
_signed_in: str | None = None


def signed_in(technician_id: str | None) -> None:
    """Who is in technician mode now (None once they left): every audit record until then names them.

    One kiosk has one technician mode, so a module-wide value is the truth; the actions run on
    pool threads, where a context variable set on the UI thread would not be seen.
    """
    global _signed_in
    _signed_in = technician_id


def technician_id(record: logging.LogRecord) -> str | None:
    """The id a record names (``extra={"technician_id": ...}`` on the sign-in itself), else who is signed in."""
    claimed = getattr(record, "technician_id", None) or _signed_in
    return scrub(claimed)[:32] if claimed else None  # typed by whoever stood there: it may be anything


def level_name(levelno: int) -> str:
    return "error" if levelno >= logging.ERROR else "warning" if levelno >= logging.WARNING else "info"


class AuditForwarder(logging.Handler):
    """Queues each ``kiosk.audit`` record for the platform; ``kick`` wakes the outbox sender."""

    def __init__(self, enqueue: Callable[[str, dict], object], kick: Callable[[], None]) -> None:
        super().__init__(logging.INFO)
        self.enqueue, self.kick = enqueue, kick

    def emit(self, record: logging.LogRecord) -> None:
        try:
            entry = TechnicianAuditEntry(at=dt.datetime.fromtimestamp(record.created, dt.UTC),
                                         level=level_name(record.levelno), action=scrub(record.getMessage())[:500],
                                         technician_id=technician_id(record))
            self.enqueue(KIND, entry.model_dump(mode="json"))
            self.kick()
        except Exception:  # a full or closed journal: the record still reaches the local log
            self.handleError(record)

    def attach(self) -> None:
        """Forward from now on; the audit logger records INFO whatever the kiosk's log level (it is the audit)."""
        audit = logging.getLogger(AUDIT_LOGGER)
        if audit.level == logging.NOTSET or audit.level > logging.INFO:
            audit.setLevel(logging.INFO)
        audit.addHandler(self)

    def detach(self) -> None:
        logging.getLogger(AUDIT_LOGGER).removeHandler(self)
