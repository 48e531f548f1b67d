"""What the outbox loop does with each journaled item: one platform call per kind.

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

from kiosk.platform.client import PlatformClient
from kiosk.platform.contract.applications import ApplicationRequest
from kiosk.platform.contract.feedback import HelpCallRequest, RatingRequest
from kiosk.platform.contract.problem import IDEMPOTENCY_IN_PROGRESS, PERSON_TOKEN_INVALID, SUBMISSION_TOKEN_REFUSED
from kiosk.platform.errors import AuthRejected, Conflict, NotFound, ValidationRejected
from kiosk.services.journal import OutboxItem, PermanentRejection

FINAL_TOKEN_CODES = frozenset({SUBMISSION_TOKEN_REFUSED, PERSON_TOKEN_INVALID})
"""Refusals of the person token that waiting cannot cure (unlike a bad signature or clock)."""


def send_item(client: PlatformClient, item: OutboxItem) -> str:
    """Deliver ``item``; returns the platform's reference (case number, rating or call id).

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
