"""Catalogue routes: the whole catalogue with an ETag, and one service."""

from __future__ import annotations

import hashlib
from datetime import datetime

from fastapi import APIRouter, Request, Response

from kiosk.platform.contract import Catalog, Category, Service, paths
from reference_platform.routes._deps import ERRORS, db, hall_hours, service_or_404

router = APIRouter(tags=["catalogue"])


def build_catalog(request: Request) -> Catalog:
    return _cached_catalog(request)[0]


def _cached_catalog(request: Request) -> tuple[Catalog, bytes]:
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
    _cached_catalog(request)
    return request.app.state.catalog_cache[3]


@router.get(paths.CATALOG, response_model=Catalog, responses={**ERRORS, 304: {"description": "Not modified"}})
async def get_catalog(request: Request) -> Response:
    """The whole catalogue. Send ``If-None-Match`` with the last ETag to get 304 when nothing changed."""
    catalog, body = _cached_catalog(request)
    etag = f'"{catalog.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    wanted = request.headers.get(paths.IF_NONE_MATCH_HEADER, "")
    if etag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(paths.SERVICE, response_model=Service, responses=ERRORS)
def get_service(code: str, request: Request) -> Service:
    return service_or_404(request, code)
