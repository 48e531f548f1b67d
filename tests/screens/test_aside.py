"""The help panel fills what a short step leaves of a portrait totem's height: no empty band
between the content and the actions (the layout audit's ``band`` check), and it gives the
room back when the content needs it."""

from __future__ import annotations


def _bands(kiosk_ui) -> list:
    from screens.audit import audit

    kiosk_ui.frames(3)
    return [f for f in audit(kiosk_ui.root, tuple(kiosk_ui.window.size)) if f.kind in ("band", "cut", "overlap")]


def test_a_portrait_totem_has_no_empty_band_above_the_actions(kiosk_ui):
    original = tuple(kiosk_ui.window.size)
    kiosk_ui.resize((1080, 1920))
    journey = kiosk_ui.journey
    try:
        kiosk_ui.controller.act("start")
        kiosk_ui.wait_screen("home")
        assert _bands(kiosk_ui) == []
        assert journey.aside.parent is journey.column and journey.aside.shown
        kiosk_ui.press("社保医保")
        kiosk_ui.wait_screen("home.category")
        kiosk_ui.press("个人社会保险参保缴费查询")
        kiosk_ui.wait_screen("guide")
        kiosk_ui.press("查询")
        kiosk_ui.wait_screen("identify")
        assert _bands(kiosk_ui) == []
        panel = journey.aside
        assert panel.shown and panel.icon.opacity == 1 and "呼叫帮办" in panel.text.text
        aside_top = panel.to_window(panel.x, panel.top)[1]
        actions_top = journey.actions.to_window(journey.actions.x, journey.actions.top)[1]
        assert aside_top - actions_top > 900, "the panel takes the height the short step leaves"

        kiosk_ui.controller.act("help")  # the panel says staff are coming instead of how to call them
        kiosk_ui.wait(lambda: "取消呼叫" in panel.text.text, 15)
        assert "取消呼叫" in panel.text.text
    finally:
        if kiosk_ui.controller.help.open:
            kiosk_ui.controller.act("help")
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.resize(original)


def test_the_panel_gives_way_to_content_that_needs_the_height(kiosk_ui):
    """On the small test window the guide's long body fills the viewport: no panel, nothing scrolled for it."""
    journey = kiosk_ui.journey
    try:
        kiosk_ui.open_guide()
        kiosk_ui.wait_screen("guide")
        kiosk_ui.frames(3)
        assert journey.viewport.scrolling
        assert journey.aside.parent is None and not journey.aside.shown
        assert _bands(kiosk_ui) == []
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
