"""Home: every category in every mode, tiles that do not move between visits, and the service
search by characters, full pinyin and initials, against the seeded catalogue."""

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


def _choices(view) -> list[Choices]:
    return [b for b in view.blocks if isinstance(b, Choices)]


def _home(kiosk, elder: bool = False):
    if elder:
        kiosk.act("elder")
    kiosk.act("start")
    return kiosk.wait("home")


def test_elder_mode_keeps_every_category_in_the_platforms_order(kiosk):
    normal = _choices(_home(kiosk))
    kiosk.controller.end_visit("next citizen")
    elder = _choices(_home(kiosk, elder=True))
    assert kiosk.controller.elder
    codes = [dict(a.args)["code"] for a in elder[0].items]
    assert codes == [dict(a.args)["code"] for a in normal[0].items]
    assert {"household", "hall", "payments", "certificates"} <= set(codes)
    assert len(codes) == 10
    assert all(dict(a.args).get("icon") for a in elder[0].items), "every category tile names its icon"


def test_popular_services_keep_catalogue_order_whatever_was_used(kiosk):
    home = _home(kiosk)
    before = [a.label for a in _choices(home)[1].items]
    # the last popular service becomes the most used one: it may stay, but it must not jump to the top
    last = _choices(home)[1].items[-1]
    for _ in range(3):
        kiosk.press("service", code=dict(last.args)["code"])
        kiosk.wait("guide")
        kiosk.act("home")  # the bar's home button
        kiosk.wait("home")
    after = [a.label for a in _choices(kiosk.view)[1].items]
    assert after == before


def test_elder_mode_popular_services_do_not_follow_usage(kiosk):
    home = _home(kiosk, elder=True)
    before = [a.label for a in _choices(home)[1].items]
    assert len(before) == 6, "elder mode shows as many popular services as normal mode"
    services = kiosk.controller.current.services()
    rare = services[-1]
    for _ in range(5):
        kiosk.controller.current.usage.add(rare.code)
    kiosk.act("elder")
    kiosk.act("elder")
    kiosk.frame()
    assert [a.label for a in _choices(kiosk.view)[1].items] == before
