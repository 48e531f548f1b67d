"""The catalogue: complete guides, ETag revalidation."""

from __future__ import annotations

import json

from kiosk.platform.contract import Catalog, KioskCapability, QueryKind, paths

from .helpers import assert_problem


def test_catalogue_has_complete_guides(api):
    r = api.get(paths.CATALOG)
    assert r.status_code == 200
    catalog = Catalog.model_validate(r.json())
    assert len(catalog.services) >= 20
    codes = [s.code for s in catalog.services]
    assert len(codes) == len(set(codes))
    categories = {c.code for c in catalog.categories}
    for s in catalog.services:
        assert s.category in categories
        assert s.name and s.name_en and s.department and s.consult and s.complaint and s.where and s.when
        assert s.kiosk_capability
        if KioskCapability.QUERY in s.kiosk_capability:
            assert QueryKind(s.query_kind)
        if KioskCapability.APPLY in s.kiosk_capability:
            assert s.form_fields and s.materials
    assert {q.value for q in QueryKind} <= {s.query_kind for s in catalog.services}


def test_etag_revalidation(api):
    first = api.get(paths.CATALOG)
    etag = first.headers["ETag"]
    assert etag.strip('"') == first.json()["version"]
    again = api.get(paths.CATALOG, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert api.get(paths.CATALOG, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_one_service(api):
    r = api.get(paths.fill(paths.SERVICE, code="440100-BDC-0403"))
    assert r.status_code == 200
    assert r.json()["fees"][0]["amount_fen"] == 8000
    assert_problem(api.get(paths.fill(paths.SERVICE, code="nope")), 404, "not_found")


def test_a_changed_catalogue_row_is_served_at_once(api, platform):
    """The served catalogue is kept until its rows change; any change to them (here by hand, as an
    operator with the sqlite3 shell would) moves its revision, so the next answer carries it."""
    store = platform.server.config.app.state.db
    before = api.get(paths.CATALOG)
    code = "440100-BDC-0403"
    original = store.one("SELECT json FROM services WHERE code = ?", (code,))["json"]
    changed = json.loads(original) | {"name": "测试改名"}
    try:
        with store.tx() as c:
            c.execute("UPDATE services SET json = ? WHERE code = ?", (json.dumps(changed, ensure_ascii=False), code))
        after = api.get(paths.CATALOG, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
        assert next(s for s in after.json()["services"] if s["code"] == code)["name"] == "测试改名"
        assert api.get(paths.fill(paths.SERVICE, code=code)).json()["name"] == "测试改名"
    finally:
        with store.tx() as c:
            c.execute("UPDATE services SET json = ? WHERE code = ?", (original, code))
    assert api.get(paths.CATALOG).headers["ETag"] == before.headers["ETag"]
