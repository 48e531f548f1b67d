"""What the outbox loop does with each journaled item: one platform call per kind.

The journal stores plain dicts (sealed); here they become contract requests again and
go out with the idempotency key they were journaled under, so a resend after a crash
is the same request to the platform. A 4xx that no resend can cure (the platform
rejected the content) is a ``PermanentRejection``; everything else is retried.
"""

from __future__ import annotations

from kiosk.client import PlatformClient, ValidationRejected
from kiosk.client.errors import Conflict, NotFound
from kiosk.contract.applications import ApplicationRequest
from kiosk.contract.feedback import HelpCallRequest, RatingRequest
from kiosk.contract.problem import IDEMPOTENCY_IN_PROGRESS
from kiosk.journal import OutboxItem, PermanentRejection


def send_item(client: PlatformClient, item: OutboxItem) -> str:
    """Deliver ``item``; returns the platform's reference (case number, rating or call id)."""
    key = item.idempotency_key
    try:
        if item.kind == "application":
            return client.submit_application(ApplicationRequest.model_validate(item.payload),
                                             idempotency_key=key).case_no
        if item.kind == "rating":
            return client.rate(RatingRequest.model_validate(item.payload), idempotency_key=key).rating_id
        if item.kind == "help_call":
            return client.call_help(HelpCallRequest.model_validate(item.payload), idempotency_key=key).call_id
    except Conflict as exc:
        if exc.code == IDEMPOTENCY_IN_PROGRESS:
            raise  # the platform is still working on our first send: try again later
        raise PermanentRejection(f"{type(exc).__name__}: {exc.code}") from exc
    except (ValidationRejected, NotFound) as exc:
        raise PermanentRejection(f"{type(exc).__name__}: {exc.code}") from exc
    raise PermanentRejection(f"unknown outbox kind {item.kind!r}")
