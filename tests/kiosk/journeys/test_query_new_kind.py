"""A query kind the platform added after this kiosk was built is shown, not refused:
the page names its own columns, titles and units, and the kiosk renders those."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.platform.contract import QueryKind, paths
from kiosk.views import Table
from reference_platform.server import serve_in_thread

from .fault_proxy import FaultProxy
from .harness import Kiosk

NEW_KIND = "pension_estimate"
SERVICE = "个人社会保险参保缴费查询"
PAGE = {
    "kind": NEW_KIND,
    "title": "养老金测算",
    "title_en": "Pension estimate",
    "columns": [
        {"key": "retire_at", "title": "退休年龄", "title_en": "Retirement age", "unit": "岁"},
        {"key": "monthly_fen", "title": "预计月领取", "title_en": "Estimated monthly pension", "unit": "fen"},
        {"key": "basis", "title": "测算依据", "title_en": "Basis", "chart": "bar"},
    ],
    "rows": [{"retire_at": 60, "monthly_fen": 412350, "basis": "缴费 18 年"},
             {"retire_at": 63, "monthly_fen": 468800, "basis": "缴费 21 年"}],
    "page": 1,
    "page_size": 8,
    "total": 2,
    "printable": False,
    "confidence": "estimate",
}


def newer_platform(method: str, path: str, status: int, body: bytes) -> tuple[int, bytes]:
    """The reference platform, plus one query kind (and fields) it does not have."""
    if method == "GET" and path.split("?")[0] == paths.CATALOG and status == 200:
        doc = json.loads(body)
        for service in doc["services"]:
            if service["query_kind"] == QueryKind.SOCIAL_SECURITY:
                service["query_kind"] = NEW_KIND
        return status, json.dumps(doc, ensure_ascii=False).encode()
    if method == "GET" and path.split("?")[0] == paths.fill(paths.QUERY, kind=NEW_KIND):
        return 200, json.dumps(PAGE, ensure_ascii=False).encode()
    return status, body


@pytest.fixture
def kiosk(tmp_path) -> Iterator[tuple[Kiosk, FaultProxy]]:
    server = serve_in_thread(str(tmp_path / "platform.sqlite3"), always_open=True)
    proxy = FaultProxy(server.url)
    proxy.rewrite = newer_platform
    k = Kiosk(tmp_path / "kiosk", platform_url=proxy.url)
    try:
        yield k, proxy
    finally:
        k.close()
        proxy.close()
        server.stop()


def test_an_unknown_query_kind_shows_with_the_platforms_columns(kiosk) -> None:
    k, proxy = kiosk
    set_language("zh_CN")
    k.act("start")
    k.wait("home")
    k.press("category", code="social")
    k.wait("home.category")
    k.press(SERVICE)
    k.wait("guide")
    k.press("query")
    k.wait("identify")
    k.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    k.wait("identify.confirmed")
    k.press("continue")
    view = k.wait("query")

    assert any(path.startswith(f"/v1/queries/{NEW_KIND}") for _, path, _ in proxy.hits)
    assert view.title == "养老金测算"
    [table] = [b for b in view.blocks if isinstance(b, Table)]
    assert table.columns == ("退休年龄", "预计月领取", "测算依据")
    assert table.rows == (("60 岁", "¥4,123.50", "缴费 18 年"), ("63 岁", "¥4,688.00", "缴费 21 年"))
    assert "print" not in [a.id for a in view.actions]  # the page said it is not printable
