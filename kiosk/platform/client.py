"""``PlatformClient``: one typed method per platform endpoint the kiosk calls (the contract
has more, such as booking, refunds and case progress, for the platform's other clients).

Every answer is validated against the contract models; anything else becomes
``BadResponse``. State-changing methods take ``idempotency_key``: the journal
passes the key it persisted so a resend after a crash is recognised by the
platform; without one a fresh uuid4 is used (and the call is still retried, as
the key makes a resend safe within this call).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import requests
from pydantic import BaseModel, ValidationError

from kiosk.platform.cache import CatalogCache
from kiosk.platform.contract import paths
from kiosk.platform.contract.actions import ActionAck, ActionAckReceipt
from kiosk.platform.contract.applications import ApplicationReceipt, ApplicationRequest
from kiosk.platform.contract.catalog import Catalog, Service
from kiosk.platform.contract.certificates import (
    PDF_MEDIA_TYPE,
    PNG_MEDIA_TYPE,
    CertificateList,
    CertificateVerification,
)
from kiosk.platform.contract.feedback import HelpCall, HelpCallRequest, RatingReceipt, RatingRequest
from kiosk.platform.contract.identity import (
    AppQrIdentityRequest,
    FaceCheckResponse,
    FacePhotoIdentityRequest,
    IdCardIdentityRequest,
    IdentityResponse,
)
from kiosk.platform.contract.operations import (
    AnnouncementList,
    EnrolRequest,
    EnrolResponse,
    Heartbeat,
    HeartbeatAck,
    HeartbeatHistory,
    TechnicianAuditEntry,
    TechnicianAuditList,
    TechnicianAuditReceipt,
)
from kiosk.platform.contract.payments import (
    CancelOrderRequest,
    CreateOrderRequest,
    Order,
    PayWithCodeRequest,
)
from kiosk.platform.contract.queries import QueryKind, QueryPage
from kiosk.platform.contract.summaries import VisitSummary, VisitSummaryReceipt
from kiosk.platform.contract.technicians import TechnicianList
from kiosk.platform.contract.visits import (
    AppointmentList,
    CheckInRequest,
    CheckInResult,
    QueueTicket,
    QueueTicketRequest,
)
from kiosk.platform.errors import BadResponse, PlatformError, PlatformTimeout, PlatformUnreachable, ServerError
from kiosk.platform.settings import PlatformSection
from kiosk.platform.transport import RetryPolicy, Transport, new_idempotency_key

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
JSON_TYPES = ("application/json",)


@dataclass(frozen=True)
class CatalogResult:
    """The catalogue plus where it came from: ``stale`` means the platform could not be asked."""

    catalog: Catalog
    etag: str
    from_cache: bool
    stale: bool
    fetched_at: datetime | None = None


def _content_type(resp: requests.Response) -> str:
    return resp.headers.get("Content-Type", "").split(";")[0].strip().lower()


def decode(resp: requests.Response, model: type[M], label: str) -> M:
    """Validate a JSON answer against ``model``; any deviation is ``BadResponse``."""
    ctype = _content_type(resp)
    if ctype not in JSON_TYPES:
        raise BadResponse(f"{label}: content type {ctype or 'missing'!r}, expected JSON", status=resp.status_code)
    try:
        return model.model_validate_json(resp.content)
    except ValidationError as exc:
        kinds = sorted({e["type"] for e in exc.errors()})
        # The exception text names only error kinds: the body may hold personal data.
        raise BadResponse(
            f"{label}: answer does not match {model.__name__} ({', '.join(kinds)})", status=resp.status_code
        ) from None
    except ValueError:
        raise BadResponse(f"{label}: answer is not JSON", status=resp.status_code) from None


def _body(model: BaseModel) -> bytes:
    return model.model_dump_json(exclude_none=False).encode()


class PlatformClient:
    """The kiosk's only way to talk to the government-service platform."""

    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        secret: bytes,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 10.0,
        verify_tls: bool = True,
        ca_bundle: str = "",
        retry: RetryPolicy | None = None,
    ) -> None:
        self.transport = Transport(
            base_url,
            kiosk_id,
            secret,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
            verify_tls=verify_tls,
            ca_bundle=ca_bundle,
            retry=retry,
        )
        self.cache = CatalogCache(cache_dir) if cache_dir is not None else None
        self._memory: CatalogResult | None = None

    @classmethod
    def from_config(
        cls,
        platform: PlatformSection,
        kiosk_id: str,
        secret: bytes,
        *,
        base_url: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> PlatformClient:
        """Build from the ``[platform]`` section; ``base_url`` overrides an empty ``url`` (demo platform)."""
        return cls(
            base_url or platform.url,
            kiosk_id,
            secret,
            cache_dir=cache_dir,
            connect_timeout_s=platform.connect_timeout_s,
            read_timeout_s=platform.read_timeout_s,
            verify_tls=platform.verify_tls,
            ca_bundle=platform.ca_bundle,
            retry=retry,
        )

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _get(
        self,
        template: str,
        model: type[M],
        *,
        person_token: str | None = None,
        params: dict[str, object] | None = None,
        **values: str,
    ) -> M:
        headers = {paths.PERSON_TOKEN_HEADER: person_token} if person_token else {}
        resp = self.transport.request(
            "GET", paths.fill(template, **values), params=params, headers=headers, label=template
        )
        return decode(resp, model, template)

    def _change(
        self,
        method: str,
        template: str,
        body: BaseModel | None,
        model: type[M],
        idempotency_key: str | None,
        *,
        signed: bool = True,
        **values: str,
    ) -> M:
        resp = self.transport.request(
            method,
            paths.fill(template, **values),
            body=_body(body) if body is not None else b"",
            idempotency_key=idempotency_key or new_idempotency_key(),
            signed=signed,
            label=template,
        )
        return decode(resp, model, template)

    def _binary(self, template: str, media_type: str, person_token: str | None, **values: str) -> bytes:
        headers = {"Accept": media_type}
        if person_token:
            headers[paths.PERSON_TOKEN_HEADER] = person_token
        resp = self.transport.request("GET", paths.fill(template, **values), headers=headers, label=template)
        if _content_type(resp) != media_type:
            raise BadResponse(f"{template}: content type {_content_type(resp)!r}, expected {media_type}")
        if not resp.content:
            raise BadResponse(f"{template}: empty document")
        return resp.content

    # -- catalogue --------------------------------------------------------------------------

    def catalog(self) -> CatalogResult:
        """The service catalogue, revalidated with its ETag; the cached copy (``stale``) when unreachable."""
        cached = self.cache.load() if self.cache else None
        if cached is None and self._memory is not None:
            cached_result = self._memory
        elif cached is not None:
            cached_result = CatalogResult(cached.catalog, cached.etag, True, False, cached.fetched_at)
        else:
            cached_result = None
        headers = {paths.IF_NONE_MATCH_HEADER: cached_result.etag} if cached_result and cached_result.etag else {}
        try:
            resp = self.transport.request("GET", paths.CATALOG, headers=headers, label=paths.CATALOG)
        except (PlatformUnreachable, PlatformTimeout, ServerError) as exc:
            if cached_result is None:
                raise
            log.warning("catalogue: platform unavailable (%s); showing the cached copy", exc.code)
            return CatalogResult(cached_result.catalog, cached_result.etag, True, True, cached_result.fetched_at)
        if resp.status_code == 304:
            if cached_result is None:
                raise BadResponse("catalogue: 304 without a cached copy", status=304)
            self._memory = CatalogResult(
                cached_result.catalog, cached_result.etag, True, False, cached_result.fetched_at
            )
            return self._memory
        catalog = decode(resp, Catalog, paths.CATALOG)
        etag = resp.headers.get(paths.ETAG_HEADER, "")
        fetched = self.cache.save(catalog, etag).fetched_at if self.cache else None
        self._memory = CatalogResult(catalog, etag, False, False, fetched)
        return self._memory

    def service(self, code: str) -> Service:
        return self._get(paths.SERVICE, Service, code=code)

    # -- identity ---------------------------------------------------------------------------

    def identify_id_card(self, req: IdCardIdentityRequest, *, idempotency_key: str | None = None) -> IdentityResponse:
        return self._change("POST", paths.IDENTITY_ID_CARD, req, IdentityResponse, idempotency_key)

    def identify_app_qr(self, req: AppQrIdentityRequest, *, idempotency_key: str | None = None) -> IdentityResponse:
        return self._change("POST", paths.IDENTITY_APP_QR, req, IdentityResponse, idempotency_key)

    def identify_face(self, req: FacePhotoIdentityRequest, *, idempotency_key: str | None = None) -> FaceCheckResponse:
        return self._change("POST", paths.IDENTITY_FACE, req, FaceCheckResponse, idempotency_key)

    def end_person_session(self, person_token: str, *, idempotency_key: str | None = None) -> None:
        self.transport.request(
            "DELETE",
            paths.fill(paths.IDENTITY_SESSION, person_token=person_token),
            idempotency_key=idempotency_key or new_idempotency_key(),
            label=paths.IDENTITY_SESSION,
        )

    # -- queries and applications -----------------------------------------------------------

    def query(self, kind: QueryKind | str, person_token: str, *, page: int = 1, page_size: int = 20) -> QueryPage:
        return self._get(
            paths.QUERY,
            QueryPage,
            person_token=person_token,
            params={"page": page, "page_size": page_size},
            kind=str(kind),
        )

    def submit_application(self, req: ApplicationRequest, *, idempotency_key: str | None = None) -> ApplicationReceipt:
        return self._change("POST", paths.APPLICATIONS, req, ApplicationReceipt, idempotency_key)

    # -- payments ---------------------------------------------------------------------------

    def create_order(self, req: CreateOrderRequest, *, idempotency_key: str | None = None) -> Order:
        return self._change("POST", paths.ORDERS, req, Order, idempotency_key)

    def order(self, order_id: str) -> Order:
        return self._get(paths.ORDER, Order, order_id=order_id)

    def pay_with_code(self, order_id: str, payment_code: str, *, idempotency_key: str | None = None) -> Order:
        return self._change(
            "POST",
            paths.ORDER_PAY,
            PayWithCodeRequest(payment_code=payment_code),
            Order,
            idempotency_key,
            order_id=order_id,
        )

    def cancel_order(self, order_id: str, reason: str = "", *, idempotency_key: str | None = None) -> Order:
        return self._change(
            "POST", paths.ORDER_CANCEL, CancelOrderRequest(reason=reason), Order, idempotency_key, order_id=order_id
        )

    # -- certificates -----------------------------------------------------------------------

    def certificates(self, person_token: str) -> CertificateList:
        return self._get(paths.CERTIFICATES, CertificateList, person_token=person_token)

    def certificate_pdf(self, cert_id: str, person_token: str | None = None) -> bytes:
        return self._binary(paths.CERTIFICATE_PDF, PDF_MEDIA_TYPE, person_token, cert_id=cert_id)

    def certificate_png(self, cert_id: str, person_token: str | None = None) -> bytes:
        return self._binary(paths.CERTIFICATE_PNG, PNG_MEDIA_TYPE, person_token, cert_id=cert_id)

    def verify_certificate(self, code: str) -> CertificateVerification:
        return self._get(paths.CERTIFICATE_VERIFY, CertificateVerification, code=code)

    # -- visits -----------------------------------------------------------------------------

    def appointments(self, person_token: str) -> AppointmentList:
        return self._get(paths.APPOINTMENTS, AppointmentList, person_token=person_token)

    def check_in(self, req: CheckInRequest, *, idempotency_key: str | None = None) -> CheckInResult:
        return self._change("POST", paths.APPOINTMENT_CHECK_IN, req, CheckInResult, idempotency_key)

    def take_ticket(self, req: QueueTicketRequest, *, idempotency_key: str | None = None) -> QueueTicket:
        return self._change("POST", paths.QUEUE_TICKETS, req, QueueTicket, idempotency_key)

    # -- feedback and operations ------------------------------------------------------------

    def rate(self, req: RatingRequest, *, idempotency_key: str | None = None) -> RatingReceipt:
        return self._change("POST", paths.RATINGS, req, RatingReceipt, idempotency_key)

    def call_help(self, req: HelpCallRequest, *, idempotency_key: str | None = None) -> HelpCall:
        return self._change("POST", paths.HELP_CALLS, req, HelpCall, idempotency_key)

    def cancel_help(self, call_id: str, *, idempotency_key: str | None = None) -> HelpCall:
        """The citizen no longer needs the staff this call summoned; answers the call as it now stands."""
        return self._change("POST", paths.HELP_CALL_CANCEL, None, HelpCall, idempotency_key, call_id=call_id)

    def announcements(self) -> AnnouncementList:
        return self._get(paths.ANNOUNCEMENTS, AnnouncementList)

    def heartbeat(self, hb: Heartbeat, *, idempotency_key: str | None = None) -> HeartbeatAck:
        return self._change("POST", paths.HEARTBEAT, hb, HeartbeatAck, idempotency_key)

    def heartbeats(self, limit: int = 20) -> HeartbeatHistory:
        """This kiosk's latest heartbeats as the platform stored them (what the fleet sees of it)."""
        return self._get(paths.HEARTBEATS, HeartbeatHistory, params={"limit": limit})

    def technician_audit(self, entry: TechnicianAuditEntry, *,
                         idempotency_key: str | None = None) -> TechnicianAuditReceipt:
        return self._change("POST", paths.TECHNICIAN_AUDIT, entry, TechnicianAuditReceipt, idempotency_key)

    def technician_audit_entries(self, limit: int = 20) -> TechnicianAuditList:
        return self._get(paths.TECHNICIAN_AUDIT, TechnicianAuditList, params={"limit": limit})

    def technicians(self) -> TechnicianList:
        """The technicians allowed on this kiosk (ids and salted PIN hashes), for the offline cache."""
        return self._get(paths.TECHNICIANS, TechnicianList)

    def ack_action(self, action_id: str, ack: ActionAck, *, idempotency_key: str | None = None) -> ActionAckReceipt:
        """Answer a remote action this kiosk got with a heartbeat (done, failed, refused or deferred)."""
        return self._change("POST", paths.ACTION_ACK, ack, ActionAckReceipt, idempotency_key, action_id=action_id)

    def visit_summary(self, summary: VisitSummary, *,
                      idempotency_key: str | None = None) -> VisitSummaryReceipt:
        return self._change("POST", paths.VISIT_SUMMARIES, summary, VisitSummaryReceipt, idempotency_key)

    def enrol(self, req: EnrolRequest, *, idempotency_key: str | None = None) -> EnrolResponse:
        """Trade an enrolment code for a kiosk id and secret; the only unsigned call."""
        return self._change("POST", paths.ENROL, req, EnrolResponse, idempotency_key, signed=False)


__all__ = ["CatalogResult", "PlatformClient", "PlatformError", "decode"]
