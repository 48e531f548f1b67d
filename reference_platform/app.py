"""The reference platform's application factory."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from reference_platform import openapi, problems
from reference_platform.db import Database
from reference_platform.routes import (
    applications,
    catalog,
    certificates,
    demo,
    feedback,
    identity,
    operations,
    payments,
    queries,
    visits,
)
from reference_platform.routes._deps import SUBMISSION_GRACE_S
from reference_platform.security import SigningMiddleware
from reference_platform.seed import seed
from reference_platform.seed.appointments import refresh_demo_dates

PUBLIC_URL_ENV = "KIOSK_PLATFORM_PUBLIC_URL"
"""Where the public verification page is, when ``create_app`` is not told (the demo runtime's platform)."""


def create_app(
    db: Database | str | Path,
    *,
    clock: Callable[[], float] = time.time,
    always_open: bool = False,
    seed_if_empty: bool = True,
    submission_grace_s: float = SUBMISSION_GRACE_S,
    public_url: str | None = None,
) -> FastAPI:
    """Build the platform on ``db`` (a path is opened, created and seeded when new).

    ``always_open`` makes hall-hours services available around the clock (demos at night);
    ``clock`` lets tests move time; ``submission_grace_s`` is how long after the citizen
    submitted a stamped application or rating (``submitted_at``) it is still accepted.
    ``public_url`` is the address the public reaches the verification page at, printed on every
    certificate (its QR code and URL): a kiosk reaches the platform on an internal address that
    means nothing to whoever checks the paper. None: ``$KIOSK_PLATFORM_PUBLIC_URL``, else the
    address the request came in on (a developer's loopback platform).
    """
    if submission_grace_s <= 0:
        raise ValueError("submission_grace_s must be positive")
    store = db if isinstance(db, Database) else Database(db)
    if seed_if_empty:
        seed(store, now=clock())
        refresh_demo_dates(store, clock())
    app = FastAPI(title="Government service platform (reference)", version="1.0.0", docs_url="/docs", redoc_url=None)
    app.state.db = store
    app.state.clock = clock
    app.state.always_open = always_open
    app.state.submission_grace_s = float(submission_grace_s)
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
        demo,
    ):
        app.include_router(module.router)
    app.add_middleware(SigningMiddleware, db=store, clock=clock)
    openapi.install(app)
    return app
