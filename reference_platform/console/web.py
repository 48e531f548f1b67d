"""What every console page shares: the session gate, CSRF, form bodies, rendering and audit.

A page asks for ``signed_in`` (redirects to the login page when there is no session) and
a form handler for ``posted`` (also checks the form's CSRF token: 403 without it). Anything
of another site is answered with the same 404 as something that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from reference_platform.console import audit, render, sessions
from reference_platform.console.auth import ROLE_LABELS, User
from reference_platform.console.settings import ConsoleSettings
from reference_platform.db import Database

MAX_FORM = 64 * 1024
_env = render.environment()


class LoginRequired(Exception):
    """Raised by the session gate; answered with a redirect to the login page."""


class ConsoleError(Exception):
    """Answered with the console's error page (not the kiosk API's problem+json)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Ctx:
    request: Request
    session: sessions.Session
    form: dict[str, str]

    @property
    def db(self) -> Database:
        return self.request.app.state.db

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def now(self) -> float:
        return self.request.app.state.clock()

    @property
    def settings(self) -> ConsoleSettings:
        return self.request.app.state.console_settings

    def audit(self, action: str, target: str = "", detail: str = "") -> None:
        audit.record(self.db, self.now, self.user, action, target, detail, client_of(self.request))

    def page(self, template: str, code: int = 200, **values: Any) -> HTMLResponse:
        return page(self.request, template, code, session=self.session, **values)


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def page(request: Request, template: str, code: int = 200, **values: Any) -> HTMLResponse:
    html = _env.get_template(template).render(request=request, role_labels=ROLE_LABELS, **values)
    return HTMLResponse(html, status_code=code, headers={
        "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self';"
                                   " frame-ancestors 'none'"})


async def form_data(request: Request) -> dict[str, str]:
    """An urlencoded form body (the console's only kind), first value per field."""
    if request.method != "POST":
        return {}
    body = await request.body()
    if len(body) > MAX_FORM:
        raise ConsoleError(413, "表单过大 form too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


FormData = Annotated[dict[str, str], Depends(form_data)]


def _session(request: Request) -> sessions.Session:
    found = sessions.current(request.app.state.db, request, request.app.state.clock())
    if found is None:
        raise LoginRequired
    return found


def signed_in(request: Request) -> Ctx:
    return Ctx(request, _session(request), {})


def posted(request: Request, form: FormData) -> Ctx:
    found = _session(request)
    if not sessions.csrf_ok(found, form.get("csrf")):
        audit.record(request.app.state.db, request.app.state.clock(), found.user, "csrf_refused", request.url.path,
                     client=client_of(request))
        raise ConsoleError(403, "表单已过期或来源不明，请刷新页面后重试 (CSRF token missing or wrong)")
    return Ctx(request, found, form)


SignedIn = Annotated[Ctx, Depends(signed_in)]
Posted = Annotated[Ctx, Depends(posted)]


def not_found() -> ConsoleError:
    return ConsoleError(404, "未找到 not found")
