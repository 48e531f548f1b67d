"""Submitting an application: sealed into the journal first, then a few seconds for the case number.

The application is journaled (fsynced) under an idempotency key the journey keeps for
its whole life, so a second tap or a retry can never make a second application; the
outbox sender is kicked and ``submit_and_wait`` waits up to ``ACK_WAIT_S`` for the
platform's case number. When it does not come in time the application is still safe:
the journal sends it when the platform is back, and the citizen is told so.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from kiosk.platform.contract.applications import ApplicationReceipt, ApplicationRequest
from kiosk.platform.errors import PlatformError

log = logging.getLogger(__name__)

ACK_WAIT_S = 8.0
"""How long the submit step waits for the platform's case number before saying "saved"."""


@dataclass(frozen=True)
class Submitted:
    key: str
    case_no: str = ""
    receipt: ApplicationReceipt | None = None
    state: str = "pending"
    """The journal's state for the key when the wait ended (delivered, pending, retrying, rejected)."""

    @property
    def kiosk_ref(self) -> str:
        return self.key[:8].upper()


def submit_and_wait(rt: Any, request: ApplicationRequest, key: str, wait_s: float = ACK_WAIT_S) -> Submitted:
    """Journal (fsync) first, then give the outbox sender a few seconds to get the case number.

    Raises only if the application could not be journaled (``JournalFull`` or a disk
    error): then the citizen must not be told it was submitted.
    """
    payload = request.model_dump(mode="json")
    rt.journal.enqueue("application", payload, key)
    rt.sender.kick()
    deadline = time.monotonic() + wait_s
    state = "pending"
    case_no = None
    while True:
        case_no = rt.journal.reference(key)
        state = rt.journal.state(key) or state
        if case_no or state in ("rejected", "retrying") or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if not case_no:
        log.info("application %s journaled, not yet acknowledged (%s)", key[:8], state)
        return Submitted(key, state=state)
    # The journal keeps only the case number. The receipt code and promised date come
    # from the platform's stored first response to this idempotency key: the same
    # request again is answered with it and can never make a second case.
    receipt = None
    try:
        receipt = rt.client.submit_application(ApplicationRequest.model_validate(payload), idempotency_key=key)
    except PlatformError as exc:
        log.warning("application %s: receipt details not fetched: %s", case_no, type(exc).__name__)
    if receipt is not None and receipt.case_no != case_no:
        log.error("application %s: platform answered with case %s; ignoring it", case_no, receipt.case_no)
        receipt = None
    return Submitted(key, case_no, receipt, "delivered")
