"""The outbox loop: what the journal holds goes to the platform, one platform call per kind.

The journal stores plain dicts (sealed); here they become contract requests again and
go out with the idempotency key they were journaled under, so a resend after a crash
is the same request to the platform. An application or a rating carries the time the
citizen submitted it (``submitted_at``, stamped by the journey before journaling and so
inside the signed body): the platform checks the citizen's person token at that time,
not at arrival, so an item sent hours after the token expired (or after the visit ended
the person session) is still accepted, within the platform's grace period.

A 4xx that no resend can cure is a ``PermanentRejection``: the journal keeps the item
aside as ``rejected`` (sealed, counted, shown to the technician, never resent). That is
the platform refusing the content, and the platform refusing the person token for good:
``submission_token_refused`` (the stamp is past the grace period, or the token was not
valid then, or not this kiosk's) and ``person_token_invalid`` (an item journaled without a
stamp, by an older kiosk version, whose token has expired: it never becomes valid
again). Every other failure — no network, 5xx, a signature or clock problem — is retried.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.applications import ApplicationRequest
from kiosk.platform.contract.feedback import HelpCallRequest, RatingRequest
from kiosk.platform.contract.operations import TechnicianAuditEntry
from kiosk.platform.contract.problem import IDEMPOTENCY_IN_PROGRESS, PERSON_TOKEN_INVALID, SUBMISSION_TOKEN_REFUSED
from kiosk.platform.contract.summaries import VisitSummary
from kiosk.platform.errors import AuthRejected, Conflict, NotFound, ValidationRejected
from kiosk.services.journal import Journal, OutboxItem, PermanentRejection

log = logging.getLogger(__name__)

FINAL_TOKEN_CODES = frozenset({SUBMISSION_TOKEN_REFUSED, PERSON_TOKEN_INVALID})
"""Refusals of the person token that waiting cannot cure (unlike a bad signature or clock)."""

NOTHING_TO_CANCEL = "not-sent"
"""The reference of a help cancel whose call never reached the platform (set aside): nothing to tell."""


class CallNotYetSent(Exception):
    """A help cancel whose call is still in the outbox: it waits behind it and is retried."""


def cancel_help(client: PlatformClient, journal: Journal, item: OutboxItem) -> str:
    """Cancel the help call journaled under ``item.payload["call_key"]``, once the platform has it.

    A call pressed and cancelled while the platform was down goes out as both, in order:
    the call (staff see it was asked for, with its time) and then its cancel, so nobody is
    sent to a kiosk whose citizen no longer needs them. The call's platform id is only
    known once it was delivered; until then the cancel is retried like any failed send.
    """
    call_key = str(item.payload["call_key"])
    state = journal.state(call_key)
    if state == "delivered":
        call_id = journal.reference(call_key) or ""
        return client.cancel_help(call_id, idempotency_key=item.idempotency_key).call_id
    if state in ("pending", "retrying"):
        raise CallNotYetSent("the help call it cancels is still queued")
    return NOTHING_TO_CANCEL  # set aside or unknown: the platform never heard the call


def send_item(client: PlatformClient, item: OutboxItem, journal: Journal | None = None) -> str:
    """Deliver ``item``; returns the platform's reference (case number, rating or call id).

    ``journal`` is where a help cancel finds the id its call got (``cancel_help``).

    The payload is sent as journaled (with its ``submitted_at``); the exception text of a
    ``PermanentRejection`` names the error class and the platform's code only, never the
    payload, so it can go to the log and the journal's ``last_error`` as is.
    """
    key = item.idempotency_key
    try:
        if item.kind == "application":
            return client.submit_application(ApplicationRequest.model_validate(item.payload),
                                             idempotency_key=key).case_no
        if item.kind == "rating":
            return client.rate(RatingRequest.model_validate(item.payload), idempotency_key=key).rating_id
        if item.kind == "help_call":
            return client.call_help(HelpCallRequest.model_validate(item.payload), idempotency_key=key).call_id
        if item.kind == "help_cancel" and journal is not None:
            return cancel_help(client, journal, item)
        if item.kind == "technician_audit":
            return client.technician_audit(TechnicianAuditEntry.model_validate(item.payload),
                                           idempotency_key=key).audit_id
        if item.kind == "visit_summary":
            return client.visit_summary(VisitSummary.model_validate(item.payload), idempotency_key=key).visit_id
    except Conflict as exc:
        if exc.code == IDEMPOTENCY_IN_PROGRESS:
            raise  # the platform is still working on our first send: try again later
        raise PermanentRejection(f"{type(exc).__name__}: {exc.code}") from exc
    except AuthRejected as exc:
        if exc.code in FINAL_TOKEN_CODES:
            raise PermanentRejection(f"{type(exc).__name__}: {exc.code}") from exc
        raise  # the kiosk's signature, clock or enrolment: curable, keep retrying
    except (ValidationRejected, NotFound) as exc:
        raise PermanentRejection(f"{type(exc).__name__}: {exc.code}") from exc
    raise PermanentRejection(f"unknown outbox kind {item.kind!r}")


Sender = Callable[[OutboxItem], str]
"""Delivers one item to the platform and returns its reference; raises on failure."""


def error_text(exc: BaseException) -> str:
    """What is kept of a failed send in the journal's plain ``last_error`` column and the log.

    The exception's class and, for a platform error, its problem code — never ``str(exc)``:
    a validation error quotes the payload it checked (a phone number, a name), and this
    column is not encrypted.
    """
    code = getattr(exc, "code", "")
    return f"{type(exc).__name__}: {code}" if isinstance(code, str) and code else type(exc).__name__


class OutboxSender:
    """Background loop that drains the journal with exponential backoff per item.

    Any exception from ``send`` other than ``PermanentRejection`` means "try again
    later": the idempotency key makes a resend of something the platform already took
    harmless, which is what makes delivery exactly-once across crashes.

    Nothing one item does can stop the loop: an error while handling an item is logged
    and the next item goes on; an error in a whole round (the journal itself failing) is
    logged and the round is tried again after a growing pause (up to ``max_delay_s``).
    """

    def __init__(self, journal: Journal, send: Sender, *, poll_s: float = 1.0,
                 first_delay_s: float = 2.0, max_delay_s: float = 300.0,
                 on_set_aside: Callable[[OutboxItem, str], None] | None = None) -> None:
        self.journal, self.send = journal, send
        self.on_set_aside = on_set_aside
        """Told of every item set aside for good (the runtime raises it to the technician)."""
        self.poll_s, self.first_delay_s, self.max_delay_s = poll_s, first_delay_s, max_delay_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def kick(self) -> None:
        """Send now (called right after an enqueue) instead of waiting for the next poll."""
        self._wake.set()

    def drain_once(self) -> int:
        """Try every due item once; returns how many were acknowledged."""
        acked = 0
        for item in self.journal.due():
            try:
                acked += self._deliver(item)
            except Exception as exc:  # one item must never stop the others
                # no traceback: its last line is str(exc), which may quote the payload
                log.error("outbox %s %s: %s while handling it; it stays queued and is tried again",
                          item.kind, item.idempotency_key, error_text(exc))
        return acked

    def _deliver(self, item: OutboxItem) -> int:
        try:
            reference = self.send(item)
        except PermanentRejection as exc:
            # An alert, not a note: a citizen was told this was submitted. CRITICAL reaches the
            # technician's alerting; the item stays sealed for ``kiosk doctor journal``.
            log.critical("ALERT outbox %s %s set aside for good: %s (kiosk doctor journal lists it)",
                         item.kind, item.idempotency_key, exc)
            self.journal.reject(item.id, str(exc))
            if self.on_set_aside is not None:
                try:
                    self.on_set_aside(item, str(exc))
                except Exception:  # the alert's own failure must not hide the rejection
                    log.exception("outbox: raising the set-aside alert failed")
        except Exception as exc:  # every other failure is retried later
            delay = min(self.first_delay_s * (2 ** item.attempts), self.max_delay_s)
            log.warning("outbox %s %s not delivered (%s); retry in %.0f s",
                        item.kind, item.idempotency_key, type(exc).__name__, delay)
            self.journal.retry_later(item.id, error_text(exc), delay)
        else:
            self.journal.acknowledge(item.id, reference)
            return 1
        return 0

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            pause = self.poll_s
            try:
                self.drain_once()
                failures = 0
            except Exception as exc:  # the loop must never die: log, back off, go on
                failures += 1
                pause = min(self.poll_s * 2 ** failures, self.max_delay_s)
                kind = "journal error" if isinstance(exc, sqlite3.Error) else "error"
                log.error("outbox: %s (%s); sending again in %.0f s", kind, type(exc).__name__, pause,
                          exc_info=True)
            self._wake.wait(pause)
            self._wake.clear()
