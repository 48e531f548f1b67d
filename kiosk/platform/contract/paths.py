"""Every platform API path in one place, so the kiosk client and the reference
platform can never disagree on a URL.

Templates use ``{name}`` placeholders; fill them with :func:`fill`, which quotes
each value so a malformed id can't escape its path segment.
"""

from __future__ import annotations

from urllib.parse import quote

V1 = "/v1"

ENROL = "/v1/enrol"
"""POST, the only unsigned /v1 call: trades an enrolment code for a kiosk id + secret."""

CATALOG = "/v1/catalog"
SERVICE = "/v1/catalog/services/{code}"

IDENTITY_ID_CARD = "/v1/identity/id-card"
IDENTITY_APP_QR = "/v1/identity/app-qr"
IDENTITY_FACE = "/v1/identity/face"
IDENTITY_SESSION = "/v1/identity/sessions/{person_token}"
"""DELETE ends a person session early (the citizen walked away)."""

QUERY = "/v1/queries/{kind}"
"""GET, kind is a :class:`kiosk.platform.contract.queries.QueryKind` value or a newer kind the
catalogue names; ``?page=&page_size=``."""

APPLICATIONS = "/v1/applications"
APPLICATION = "/v1/applications/{case_no}"

ORDERS = "/v1/orders"
ORDER = "/v1/orders/{order_id}"
ORDER_PAY = "/v1/orders/{order_id}/pay"
ORDER_CANCEL = "/v1/orders/{order_id}/cancel"
ORDER_REFUND = "/v1/orders/{order_id}/refund"

CERTIFICATES = "/v1/certificates"
CERTIFICATE_VERIFY = "/v1/certificates/verify/{code}"
CERTIFICATE = "/v1/certificates/{cert_id}"
CERTIFICATE_PDF = "/v1/certificates/{cert_id}/pdf"
CERTIFICATE_PNG = "/v1/certificates/{cert_id}/png"

APPOINTMENTS = "/v1/appointments"
APPOINTMENT_SLOTS = "/v1/appointments/slots"
APPOINTMENT_CHECK_IN = "/v1/appointments/check-in"

QUEUE_TICKETS = "/v1/queue/tickets"
QUEUE_TICKET = "/v1/queue/tickets/{ticket_id}"

RATINGS = "/v1/ratings"
HELP_CALLS = "/v1/help-calls"
HELP_CALL = "/v1/help-calls/{call_id}"
HELP_CALL_CANCEL = "/v1/help-calls/{call_id}/cancel"
ANNOUNCEMENTS = "/v1/announcements"
HEARTBEAT = "/v1/heartbeat"
TECHNICIAN_AUDIT = "/v1/technician-audit"
"""POST: one technician action (journaled on the kiosk, sent like an application); GET: the kiosk's latest."""
TECHNICIANS = "/v1/technicians"
"""GET: the technicians allowed on the signing kiosk (id, salted PIN hash, revoked), for its offline cache."""
HEARTBEATS = "/v1/heartbeats"
"""GET: the signing kiosk's own heartbeat history, newest first (``?limit=``)."""
ACTION_ACK = "/v1/actions/{action_id}/ack"
"""POST: the signing kiosk's answer to a remote action it got in a heartbeat's answer (only its own)."""
VISIT_SUMMARIES = "/v1/visit-summaries"
"""POST: one ended visit's summary for the service figures (no personal data); idempotent per visit."""

DEMO_PAY = "/demo/pay/{order_id}"
"""Reference platform only, unsigned: settles a show-QR order as if the citizen paid on the phone."""

PUBLIC_VERIFY = "/verify/{code}"
"""Public, unsigned: what the QR code on a printed certificate points to."""

PERSON_TOKEN_HEADER = "X-Person-Token"
"""GET calls about a citizen carry the person token here, not in the URL, so it stays out of access logs."""

ETAG_HEADER = "ETag"
IF_NONE_MATCH_HEADER = "If-None-Match"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def fill(template: str, **values: str) -> str:
    """``fill(ORDER, order_id="O1")`` -> ``/v1/orders/O1`` with each value percent-quoted."""
    return template.format(**{k: quote(str(v), safe="") for k, v in values.items()})
