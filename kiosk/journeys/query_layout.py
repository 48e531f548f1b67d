"""How a query result is laid out on screen and on paper, from the page's own columns.

A page may have seven columns or more (a contribution record: month, insurance, employer,
base, personal, employer share, status); squeezed into one table row each cell wraps
three lines deep. So a page with more than ``MAX_TABLE_COLUMNS`` columns to show is laid
out as one card per row (the first column as the card's title, the others as label and
value), while a narrow page stays a table. Columns that say nothing for this citizen —
every value zero or empty, like the employer share of a pensioner — are left out, and a
summary line (how many records, and the platform's totals) comes first. The receipt
printer gets the same: a header per value, the summary, no empty columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from kiosk.i18n import _, current_language, platform_text
from kiosk.journeys.base import pick
from kiosk.platform.contract.queries import Cell, Column, QueryPage
from kiosk.services import localtime
from kiosk.views import Block, Pairs, Table, Text

MAX_TABLE_COLUMNS = 4


def cell(value: object, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        try:  # an ISO timestamp from the platform: local time to the minute
            return localtime.minutes(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if unit == "fen" and isinstance(value, int | float):
        return f"¥{value / 100:,.2f}"
    if unit and isinstance(value, int | float):
        return f"{value:g} {unit}"
    return str(value)


def value_of(row: Mapping[str, Cell], column: Column) -> str:
    """A row's value for ``column``, in English where the platform sent one (``<key>_en``)."""
    if current_language() == "en":
        english = row.get(column.key + "_en")
        if isinstance(english, str) and english:
            return english
    return platform_text(cell(row.get(column.key), column.unit))


def _empty(value: Cell) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


def shown_columns(columns: Sequence[Column], rows: Sequence[Mapping[str, Cell]]) -> list[Column]:
    """The columns that say something for these rows: all-zero or all-empty ones are left out."""
    if not rows:
        return list(columns)
    return [c for c in columns if not all(_empty(r.get(c.key)) for r in rows)]


def summary_of(page: QueryPage) -> str:
    """"共 24 条记录；个人缴纳合计 ¥5,184.00": the count, then the platform's totals over all rows."""
    parts = [_("共 {n} 条记录").format(n=page.total)]
    for c in page.columns:
        if c.key in page.totals and not _empty(page.totals[c.key]):
            parts.append(_("{title}合计 {value}").format(title=pick(c.title, c.title_en),
                                                        value=cell(page.totals[c.key], c.unit)))
    return _("；").join(parts)


def blocks_of(page: QueryPage) -> list[Block]:
    """The summary, then the rows as a table that fits or as one card per row."""
    columns = shown_columns(page.columns, page.rows)
    titles = tuple(pick(c.title, c.title_en) for c in columns)
    if not page.rows:
        return [Table(titles, (), page.page, page.pages, _("没有查询到记录"))]
    blocks: list[Block] = [Text(summary_of(page), "lead")]
    if len(columns) <= MAX_TABLE_COLUMNS:
        rows = tuple(tuple(value_of(r, c) for c in columns) for r in page.rows)
        blocks.append(Table(titles, rows, page.page, page.pages, _("没有查询到记录")))
        return blocks
    head, rest = columns[0], columns[1:]
    for row in page.rows:
        blocks.append(Pairs(tuple((pick(c.title, c.title_en), value_of(row, c)) for c in rest),
                            f"{pick(head.title, head.title_en)}：{value_of(row, head)}"))
    if page.pages > 1:
        blocks.append(Text(_("第 {n}/{total} 页").format(n=page.page, total=page.pages), "note"))
    return blocks


def print_lines(page: QueryPage) -> list[tuple[str, str]]:
    """The rows for the receipt printer: the summary, then each row under a rule with a header per value."""
    columns = shown_columns(page.columns, page.rows)
    lines = [("", summary_of(page))]
    for row in page.rows:
        lines.append(("", "—" * 4))
        lines += [(pick(c.title, c.title_en), value_of(row, c)) for c in columns]
    if page.total > len(page.rows):
        lines.append(("", _("（仅打印前 {n} 条）").format(n=len(page.rows))))
    return lines
