"""Helpers shared by the route modules: the store, the clock, the calling kiosk,
person tokens, catalogue lookups and hall hours."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import Request

from kiosk.contract import HallHours, Problem, Service
from kiosk.contract import problem as codes
from kiosk.reference.db import Database
from kiosk.reference.problems import PlatformProblem
from kiosk.reference.seed import LOCAL_TZ

PERSON_SESSION_S = 15 * 60
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Missing Idempotency-Key or malformed request"},
    401: {"model": Problem, "description": "Unsigned, stale, replayed or badly signed request; invalid person token"},
    404: {"model": Problem, "description": "Unknown resource"},
    422: {"model": Problem, "description": "Validation failed, or Idempotency-Key reused for a different request"},
}
CONFLICT = {409: {"model": Problem, "description": "Not allowed in the resource's current state"}}
CLOSED = {503: {"model": Problem, "description": "Only available during hall hours"}}


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
    """The person id behind a live person token, else 401 person_token_invalid."""
    if not token:
        raise PlatformProblem(401, codes.PERSON_TOKEN_INVALID, "a person token is required")
    row = db(request).one("SELECT person_id, expires_at FROM person_sessions WHERE token = ?", (token,))
    if row is None or row["expires_at"] < now(request):
        raise PlatformProblem(401, codes.PERSON_TOKEN_INVALID, "the person token is unknown or expired")
    return row["person_id"]


def service_or_404(request: Request, code: str) -> Service:
    row = db(request).one("SELECT json FROM services WHERE code = ?", (code,))
    if row is None:
        raise PlatformProblem(404, codes.NOT_FOUND, f"no service with code {code!r}")
    return Service.model_validate_json(row["json"])


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
