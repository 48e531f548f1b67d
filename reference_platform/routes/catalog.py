"""Catalogue routes: the whole catalogue with an ETag, and one service."""

from __future__ import annotations

import hashlib
from datetime import datetime

from fastapi import APIRouter, Request, Response

from kiosk.platform.contract import Catalog, Category, Service, paths
from reference_platform.routes._deps import ERRORS, db, hall_hours, service_or_404

router = APIRouter(tags=["catalogue"])


def build_catalog(request: Request) -> Catalog:
    store = db(request)
    cats = [Category.model_validate_json(r["json"]) for r in store.all("SELECT json FROM categories ORDER BY ord")]
    svcs = [Service.model_validate_json(r["json"]) for r in store.all("SELECT json FROM services ORDER BY ord")]
    hours = hall_hours(request)
    digest = hashlib.sha256()
    for part in [*(c.model_dump_json() for c in cats), *(s.model_dump_json() for s in svcs), hours.model_dump_json()]:
        digest.update(part.encode())
    generated = datetime.fromisoformat(store.meta("catalog_generated_at") or "2026-01-01T00:00:00+00:00")
    return Catalog(
        version=digest.hexdigest()[:16], generated_at=generated, categories=cats, services=svcs, hall_hours=hours
    )


@router.get(paths.CATALOG, response_model=Catalog, responses={**ERRORS, 304: {"description": "Not modified"}})
def get_catalog(request: Request) -> Response:
    """The whole catalogue. Send ``If-None-Match`` with the last ETag to get 304 when nothing changed."""
    catalog = build_catalog(request)
    etag = f'"{catalog.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    wanted = request.headers.get(paths.IF_NONE_MATCH_HEADER, "")
    if etag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(catalog.model_dump_json(), media_type="application/json", headers=headers)


@router.get(paths.SERVICE, response_model=Service, responses=ERRORS)
def get_service(code: str, request: Request) -> Service:
    return service_or_404(request, code)
