"""The web console at ``/console/``: fleet health, alerts and 好差评 follow-up for the staff of
the halls, banks and community stations that host kiosks, and for the fleet's operators.

``install`` mounts it on the platform app (server-rendered pages, no API in the OpenAPI
document) and ties the alert sweep and webhook threads to the app's lifespan;
``on_heartbeat`` is called by the heartbeat route so alerts follow each heartbeat.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from reference_platform.console import alerts, auth, schema
from reference_platform.console.settings import ConsoleSettings

__all__ = ["ConsoleSettings", "install", "on_heartbeat", "routers"]

log = logging.getLogger(__name__)


def routers() -> list[APIRouter]:
    """Every router of the console (the access tests walk all their routes)."""
    from reference_platform.console import figures_pages, pages, rating_pages, remote_pages

    return [pages.router, rating_pages.router, remote_pages.router, figures_pages.router]


def install(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    from reference_platform.console import web

    settings = settings or ConsoleSettings()
    schema.ensure(app.state.db)
    app.state.console_settings = settings
    app.state.console_logins = auth.login_limiter()
    app.state.console_notifier = alerts.Notifier(settings.webhook_url)
    app.state.console_sweeper = alerts.Sweeper(app.state.db, settings, app.state.clock, app.state.console_notifier)
    for router in routers():
        app.include_router(router)

    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    async def error_page(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, web.ConsoleError)
        return web.page(request, "error.html", exc.status, message=exc.message)

    app.add_exception_handler(web.LoginRequired, to_login)
    app.add_exception_handler(web.ConsoleError, error_page)
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        a.state.console_notifier.start()
        a.state.console_sweeper.start()
        try:
            async with outer(a):
                yield
        finally:
            a.state.console_sweeper.stop()
            a.state.console_notifier.stop()

    app.router.lifespan_context = lifespan


def on_heartbeat(app: FastAPI, kiosk_id: str, now: float) -> None:
    """Re-evaluate the kiosk's alerts after its heartbeat was stored (same request transaction)."""
    settings = getattr(app.state, "console_settings", None)
    if settings is None:
        return
    try:
        opened = alerts.evaluate(app.state.db, kiosk_id, now, settings)
    except Exception:  # the console must never cost a kiosk its heartbeat; the sweep tries again
        log.exception("alert evaluation failed for %s", kiosk_id)
        return
    app.state.console_notifier.send(opened)
