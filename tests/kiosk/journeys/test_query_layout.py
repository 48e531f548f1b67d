"""How query results are laid out: cell values (money, units, booleans, platform timestamps),
hidden all-zero columns, the summary line, cards for wide pages, headers on paper."""

from __future__ import annotations

from kiosk.i18n import set_language
from kiosk.journeys.query_layout import blocks_of, cell, print_lines
from kiosk.platform.contract.queries import Column, QueryPage
from kiosk.views import Pairs, Table, Text


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


def _page(rows: list[dict], **extra) -> QueryPage:
    columns = [Column(key="month", title="费款所属期", title_en="Month"),
               Column(key="insurance", title="险种", title_en="Insurance"),
               Column(key="employer", title="参保单位", title_en="Employer"),
               Column(key="base_fen", title="缴费基数", title_en="Base", unit="fen"),
               Column(key="personal_fen", title="个人缴纳", title_en="Personal", unit="fen", total=True),
               Column(key="employer_fen", title="单位缴纳", title_en="Employer share", unit="fen", total=True),
               Column(key="status", title="状态", title_en="Status")]
    return QueryPage(kind="social_security", title="社会保险参保缴费记录", title_en="Social insurance contributions",
                     columns=columns, rows=rows, page=1, page_size=8, total=len(rows), **extra)


WORKER = {"month": "2026-10", "insurance": "基本养老保险", "insurance_en": "Pension", "employer": "某公司",
          "base_fen": 720000, "personal_fen": 57600, "employer_fen": 100800, "status": "已到账",
          "status_en": "Received"}
PENSIONER = {"month": "2026-10", "insurance": "城乡居民基本养老保险（领取）", "employer": "市社会保险基金管理局",
             "base_fen": 0, "personal_fen": 0, "employer_fen": 0, "status": "已发放 ¥3,215.60"}


def test_all_zero_columns_are_hidden_and_a_narrow_page_stays_a_table() -> None:
    set_language("zh_CN")
    blocks = blocks_of(_page([PENSIONER, PENSIONER], totals={"personal_fen": 0, "employer_fen": 0}))
    summary, table = blocks
    assert isinstance(summary, Text) and summary.text == "共 2 条记录"  # no "合计 ¥0.00"
    assert isinstance(table, Table) and table.columns == ("费款所属期", "险种", "参保单位", "状态")
    assert "¥0.00" not in repr(blocks)


def test_a_wide_page_is_one_card_per_row_with_a_summary() -> None:
    set_language("zh_CN")
    blocks = blocks_of(_page([WORKER, WORKER], totals={"personal_fen": 115200, "employer_fen": 201600}))
    assert blocks[0] == Text("共 2 条记录；个人缴纳合计 ¥1,152.00；单位缴纳合计 ¥2,016.00", "lead")
    cards = [b for b in blocks if isinstance(b, Pairs)]
    assert len(cards) == 2 and not any(isinstance(b, Table) for b in blocks)
    assert cards[0].title == "费款所属期：2026-10"
    assert dict(cards[0].rows)["单位缴纳"] == "¥1,008.00" and len(cards[0].rows) == 6


def test_english_shows_the_platforms_english_values() -> None:
    set_language("en")
    try:
        cards = [b for b in blocks_of(_page([WORKER])) if isinstance(b, Pairs)]
        assert dict(cards[0].rows)["Insurance"] == "Pension" and dict(cards[0].rows)["Status"] == "Received"
    finally:
        set_language("zh_CN")


def test_printed_rows_carry_a_header_for_every_value() -> None:
    set_language("zh_CN")
    lines = print_lines(_page([PENSIONER], totals={}))
    assert lines[0] == ("", "共 1 条记录")
    labelled = [label for label, _value in lines[2:]]
    assert labelled == ["费款所属期", "险种", "参保单位", "状态"]


def test_a_pensioners_contributions_over_the_platform(kiosk) -> None:
    from kiosk.devices.demo_cards import DEMO_CARDS

    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code="social")
    kiosk.wait("home.category")
    kiosk.press("个人社会保险参保缴费查询")
    kiosk.wait("guide")
    kiosk.press("query")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    view = kiosk.wait("query")
    shown = repr(view)
    assert "¥0.00" not in shown and "缴费基数" not in shown
    assert any(isinstance(b, Text) and b.text.startswith("共 12 条记录") for b in view.blocks), shown
