"""How query values look in a table cell: money, units, booleans and platform timestamps."""

from __future__ import annotations

from kiosk.i18n import set_language
from kiosk.journeys.query import cell


def test_money_units_and_booleans() -> None:
    set_language("zh_CN")
    assert cell(321560, "fen") == "¥3,215.60"
    assert cell(89.5, "m2") == "89.5 m2"
    assert cell(True, "") == "是"
    assert cell(None, "fen") == ""


def test_iso_timestamps_show_the_kiosks_zone_minutes_not_raw_text() -> None:
    raw = "2026-11-21T09:37:03.589725+00:00"
    assert cell(raw, "") == "2026-11-21 17:37"  # [kiosk] timezone, default Asia/Shanghai
    assert cell("2026-11-21 not a time", "") == "2026-11-21 not a time"
