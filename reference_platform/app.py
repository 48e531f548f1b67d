"""The reference platform's application factory."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from reference_platform import console, openapi, problems
from reference_platform.certificate_jobs import PdfRenderer
from reference_platform.db import Database
from reference_platform.limits import MissLimiter
from reference_platform.routes import (
    actions,
    applications,
    catalog,
    certificates,
    feedback,
    heartbeat_history,
    identity,
    operations,
    payments,
    queries,
    technician_audit,
    technicians,
    visit_summaries,
    visits,
)
from reference_platform.routes import demo as demo_routes
from reference_platform.routes._deps import SUBMISSION_GRACE_S
from reference_platform.security import SigningMiddleware
from reference_platform.seed import demo_credentials, seed
from reference_platform.seed.appointments import refresh_demo_dates

PUBLIC_URL_ENV = "KIOSK_PLATFORM_PUBLIC_URL"
"""Where the public verification page is, when ``create_app`` is not told (the demo runtime's platform)."""


class DemoDataRefused(RuntimeError):
    """A production platform was pointed at a database holding the public demo credentials."""


def create_app(
    db: Database | str | Path,
    *,
    demo: bool = False,
    clock: Callable[[], float] = time.time,
    always_open: bool = False,
    seed_if_empty: bool = True,
    submission_grace_s: float = SUBMISSION_GRACE_S,
    public_url: str | None = None,
    console_settings: console.ConsoleSettings | None = None,
) -> FastAPI:
    """Build the platform on ``db`` (a path is opened, created and seeded when new).

    ``demo`` seeds the demo world (citizens, the demo kiosk and its public secret, the
    demo enrolment code) and adds the unsigned ``/demo/*`` routes; only ever run it on
    loopback (``server`` refuses anything else). Without it the database gets the
    catalogue alone, and one that holds demo credentials is refused (``DemoDataRefused``).
    ``always_open`` makes hall-hours services available around the clock (demos at night);
    ``clock`` lets tests move time; ``submission_grace_s`` is how long after the citizen
    submitted a stamped application or rating (``submitted_at``) it is still accepted.
    ``public_url`` is the address the public reaches the verification page at, printed on every
    certificate (its QR code and URL): a kiosk reaches the platform on an internal address that
    means nothing to whoever checks the paper. None: ``$KIOSK_PLATFORM_PUBLIC_URL``, else the
    address the request came in on (a developer's loopback platform).
    ``console_settings``: the web console's alert thresholds, sweep interval and webhook (defaults when None).
    """
    if submission_grace_s <= 0:
        raise ValueError("submission_grace_s must be positive")
    store = db if isinstance(db, Database) else Database(db)
    if seed_if_empty:
        seed(store, now=clock(), demo=demo)
    demo_day = None
    if demo:
        demo_day = refresh_demo_dates(store, clock())
    else:
        found = demo_credentials(store)
        if found:
            raise DemoDataRefused(
                f"{store.path} holds public demo credentials ({', '.join(found)}); a production platform"
                " will not serve them. Use a new database, or run with --demo on loopback."
            )
    app = FastAPI(title="Government service platform (reference)", version="1.0.0", docs_url="/docs", redoc_url=None)
    app.state.db = store
    app.state.demo = demo
    app.state.demo_day = demo_day
    app.state.code_lookups = MissLimiter()
    app.state.clock = clock
    app.state.always_open = always_open
    app.state.submission_grace_s = float(submission_grace_s)
    app.state.pdf_renderer = PdfRenderer()
    app.state.public_url = (public_url or os.environ.get(PUBLIC_URL_ENV, "")).rstrip("/")
    problems.install(app)
    for module in (
        operations,
        catalog,
        identity,
        queries,
        applications,
        payments,
        certificates,
        visits,
        feedback,
        heartbeat_history,
        technician_audit,
        technicians,
        actions,
        visit_summaries,
    ):
        app.include_router(module.router)
    app.include_router(demo_routes.public_router)
    console.install(app, console_settings)
    if demo:
        app.include_router(demo_routes.router)
    # A journaled submission is resent at most submission_grace_s after it was made (later ones are
    # refused for good), so its stored answer is kept twice that; nothing else is resent after minutes.
    app.add_middleware(SigningMiddleware, db=store, clock=clock, keep_answers_s=2 * submission_grace_s)
    openapi.install(app)
    return app
