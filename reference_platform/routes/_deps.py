"""Helpers shared by the route modules: the store, the clock, the calling kiosk,
person tokens, catalogue lookups and hall hours."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Request

from kiosk.platform import signing
from kiosk.platform.contract import Catalog, Category, HallHours, Problem, Service
from kiosk.platform.contract import problem as codes
from reference_platform.db import Database
from reference_platform.problems import PlatformProblem
from reference_platform.seed.common import LOCAL_TZ

log = logging.getLogger(__name__)

PERSON_SESSION_S = 15 * 60
SUBMISSION_GRACE_S = 7 * 24 * 3600
"""Default: how long after the citizen submitted a stamped submission is still honoured
(``create_app(submission_grace_s=...)``, ``kiosk platform serve --submission-grace-days``)."""
SUBMISSION_SKEW_S = signing.MAX_SKEW_S
"""Clock difference allowed between the kiosk's stamp and the platform's session times: the
same 300 s a signature may be off, so a kiosk whose signatures pass never has a genuine
submission refused for its clock."""
PURGE_EVERY_S = 60.0
"""Expired person sessions are looked for at most this often (``purge_person_sessions``)."""
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Missing Idempotency-Key or malformed request"},
    401: {"model": Problem, "description": "Unsigned, stale, replayed or badly signed request; invalid person token"},
    404: {"model": Problem, "description": "Unknown resource"},
    422: {"model": Problem, "description": "Validation failed, or Idempotency-Key reused for a different request"},
}
SUBMISSION_REFUSED = {
    403: {
        "model": Problem,
        "description": "submission_token_refused (final, do not resend): the person token cannot vouch for a"
        " submission stamped at `submitted_at` — not issued to this kiosk, not valid at that time, or the"
        " stamp is older than the grace period or in the future",
    }
}
CONFLICT = {409: {"model": Problem, "description": "Not allowed in the resource's current state"}}
CLOSED = {503: {"model": Problem, "description": "Only available during hall hours"}}
LIMITED = {429: {"model": Problem, "description": "rate_limited: too many unknown codes looked up; see Retry-After"}}


def db(request: Request) -> Database:
    return request.app.state.db


def now(request: Request) -> float:
    return request.app.state.clock()


def kiosk_id(request: Request) -> str:
    return getattr(request.state, "kiosk_id", "unsigned")


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, LOCAL_TZ).date()


def short_code(n: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def person_for_token(request: Request, token: str | None) -> str:
    """The person id behind a live person token, else 401 person_token_invalid.

    Live: issued to the calling kiosk, not expired, not ended by the kiosk.
    """
    if not token:
        raise PlatformProblem(401, codes.PERSON_TOKEN_INVALID, "a person token is required")
    row = db(request).one(
        "SELECT person_id, kiosk_id, expires_at, ended_at FROM person_sessions WHERE token = ?", (token,)
    )
    if (
        row is None
        or row["kiosk_id"] != kiosk_id(request)
        or row["ended_at"] is not None
        or row["expires_at"] < now(request)
    ):
        raise PlatformProblem(401, codes.PERSON_TOKEN_INVALID, "the person token is unknown, expired or ended")
    return row["person_id"]


def person_for_submission(request: Request, token: str | None, submitted_at: datetime | None) -> str:
    """The person id for a submission the kiosk may have journaled and sent late.

    Without a stamp the token must be live (``person_for_token``). With one, the token is
    checked at the stamped time: it must have been issued to the calling kiosk and been
    valid then (issued, not yet expired, not yet ended; ``SUBMISSION_SKEW_S`` either way),
    and the stamp must be neither in the future nor older than the grace period. Anything
    else is a final 403 ``submission_token_refused``. The stamp is inside the signed body,
    so nobody but the kiosk can set it.
    """
    if submitted_at is None:
        return person_for_token(request, token)
    if not token:
        raise PlatformProblem(401, codes.PERSON_TOKEN_INVALID, "a person token is required")
    stamp = (submitted_at if submitted_at.tzinfo else submitted_at.replace(tzinfo=UTC)).timestamp()
    current = now(request)
    grace = request.app.state.submission_grace_s

    def refuse(why: str) -> PlatformProblem:
        log.info("stamped submission from %s refused: %s", kiosk_id(request), why)
        return PlatformProblem(403, codes.SUBMISSION_TOKEN_REFUSED, why, title="submission refused for good")

    if stamp > current + SUBMISSION_SKEW_S:
        raise refuse("submitted_at is in the future")
    if stamp < current - grace:
        raise refuse(f"submitted_at is older than the {grace / 86400:g}-day grace period")
    row = db(request).one(
        "SELECT person_id, kiosk_id, issued_at, expires_at, ended_at FROM person_sessions WHERE token = ?", (token,)
    )
    if row is None or row["kiosk_id"] != kiosk_id(request):
        raise refuse("the person token was not issued to this kiosk")
    issued = row["issued_at"] if row["issued_at"] is not None else row["expires_at"] - PERSON_SESSION_S
    if stamp < issued - SUBMISSION_SKEW_S:
        raise refuse("submitted_at is before the person token was issued")
    ended = row["ended_at"]
    valid_until = row["expires_at"] if ended is None else min(row["expires_at"], ended)
    if stamp > valid_until + SUBMISSION_SKEW_S:
        what = "ended" if ended is not None and ended < row["expires_at"] else "expired"
        raise refuse(f"submitted_at is after the person session {what}")
    return row["person_id"]


def purge_person_sessions(request: Request) -> None:
    """Forget sessions no stamped submission can refer to any more (past validity + grace).

    At most once per ``PURGE_EVERY_S`` of the platform's clock: the delete scans the whole
    table, and a session a minute past its horizon is as unusable as one just past it (the
    checks in ``person_for_submission`` refuse it either way).
    """
    current = now(request)
    if current - getattr(request.app.state, "sessions_purged_at", float("-inf")) < PURGE_EVERY_S:
        return
    request.app.state.sessions_purged_at = current
    horizon = current - request.app.state.submission_grace_s - SUBMISSION_SKEW_S
    with db(request).tx() as c:
        c.execute("DELETE FROM person_sessions WHERE MIN(expires_at, COALESCE(ended_at, expires_at)) < ?", (horizon,))


def build_catalog(request: Request) -> Catalog:
    """The current catalogue (``cached_catalog``): every heartbeat answer carries its version."""
    return cached_catalog(request)[0]


def cached_catalog(request: Request) -> tuple[Catalog, bytes]:
    """The catalogue and its JSON, parsed and encoded again only when its rows or hall hours change.

    Every kiosk revalidates the catalogue often and every heartbeat answer carries its version:
    one read of two ``meta`` rows tells whether anything changed (triggers on the catalogue
    tables move ``catalog_rev``, ``reference_platform.db``); the dozens of models behind it are
    rebuilt only when it did.
    """
    store = db(request)
    marks = dict(store.all("SELECT key, value FROM meta WHERE key IN ('catalog_rev', 'catalog_generated_at')"))
    generated_at = marks.get("catalog_generated_at")
    key = (marks.get("catalog_rev"), generated_at, request.app.state.always_open)
    cached = getattr(request.app.state, "catalog_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    cat_rows = [r["json"] for r in store.all("SELECT json FROM categories ORDER BY ord")]
    svc_rows = [r["json"] for r in store.all("SELECT json FROM services ORDER BY ord")]
    hours = hall_hours(request)
    cats = [Category.model_validate_json(text) for text in cat_rows]
    svcs = [Service.model_validate_json(text) for text in svc_rows]
    digest = hashlib.sha256()
    for part in [*(c.model_dump_json() for c in cats), *(s.model_dump_json() for s in svcs), hours.model_dump_json()]:
        digest.update(part.encode())
    generated = datetime.fromisoformat(generated_at or "2026-01-01T00:00:00+00:00")
    catalog = Catalog(
        version=digest.hexdigest()[:16], generated_at=generated, categories=cats, services=svcs, hall_hours=hours
    )
    body = catalog.model_dump_json().encode()
    request.app.state.catalog_cache = (key, catalog, body, {s.code: s for s in svcs})
    return catalog, body


def services_by_code(request: Request) -> dict[str, Service]:
    """Every service of the current catalogue by its code, parsed once per catalogue change (treat as read-only)."""
    cached_catalog(request)
    return request.app.state.catalog_cache[3]


def service_or_404(request: Request, code: str) -> Service:
    service = services_by_code(request).get(code)
    if service is None:
        raise PlatformProblem(404, codes.NOT_FOUND, f"no service with code {code!r}")
    return service


def hall_hours(request: Request) -> HallHours:
    if request.app.state.always_open:
        return HallHours(weekdays=[0, 1, 2, 3, 4, 5, 6], opens="00:00", closes="24:00")
    return HallHours()


def hall_open(request: Request) -> bool:
    hours = hall_hours(request)
    local = datetime.fromtimestamp(now(request), LOCAL_TZ)
    hhmm = local.strftime("%H:%M")
    return local.weekday() in hours.weekdays and hours.opens <= hhmm < hours.closes


def require_available(request: Request, service: Service) -> None:
    if service.available == "hall_hours" and not hall_open(request):
        hours = hall_hours(request)
        raise PlatformProblem(
            503,
            codes.OUTSIDE_HALL_HOURS,
            f"{service.code} is only available {hours.opens}-{hours.closes} on working days",
        )


def add_working_days(start: date, days: int) -> date:
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


def caller(request: Request) -> str:
    """Who a rate limit counts: the signed kiosk, else (public routes) the client address."""
    signed = getattr(request.state, "kiosk_id", None)
    if signed:
        return "kiosk:" + signed
    return "addr:" + (request.client.host if request.client else "?")


def limit_code_lookups(request: Request, kind: str) -> None:
    """Refuse (429) a caller that missed too often with codes of ``kind`` (reference_platform.limits)."""
    request.app.state.code_lookups.check(caller(request), kind, now(request))


def code_missed(request: Request, kind: str) -> None:
    request.app.state.code_lookups.miss(caller(request), kind, now(request))
