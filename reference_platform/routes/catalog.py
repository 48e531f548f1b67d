"""Catalogue routes: the whole catalogue with an ETag, and one service."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kiosk.platform.contract import Catalog, Service, paths
from reference_platform.routes._deps import ERRORS, cached_catalog, service_or_404

router = APIRouter(tags=["catalogue"])


@router.get(paths.CATALOG, response_model=Catalog, responses={**ERRORS, 304: {"description": "Not modified"}})
async def get_catalog(request: Request) -> Response:
    """The whole catalogue. Send ``If-None-Match`` with the last ETag to get 304 when nothing changed."""
    catalog, body = cached_catalog(request)
    etag = f'"{catalog.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    wanted = request.headers.get(paths.IF_NONE_MATCH_HEADER, "")
    if etag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(paths.SERVICE, response_model=Service, responses=ERRORS)
def get_service(code: str, request: Request) -> Service:
    return service_or_404(request, code)
