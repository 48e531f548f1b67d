"""Home's service search: characters, full pinyin and initials, against the seeded catalogue."""

from __future__ import annotations

from kiosk.views import Choices, Text

from .harness import Kiosk


def _found(kiosk: Kiosk, query: str) -> list[str]:
    kiosk.type("q", query)
    view = kiosk.view
    assert view.screen == "home.search"
    return [a.label for b in view.blocks if isinstance(b, Choices) for a in b.items]


def test_search_by_initials_full_pinyin_and_characters(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("search")
    social = _found(kiosk, "sb")
    assert "个人社会保险参保缴费查询" in social  # category 社保医保 -> sbyb
    assert _found(kiosk, "shebao") == social
    assert _found(kiosk, "社保") == social
    housing = _found(kiosk, "gjj")
    assert housing and all("公积金" in name for name in housing)
    assert _found(kiosk, "zzzq") == []
    assert any(isinstance(b, Text) for b in kiosk.view.blocks)  # "nothing found" note
