"""The journey screen's bar: two sets built once, the one not shown filled when the language or elder mode switches."""

from __future__ import annotations

from .conftest import widgets_left_frozen


def test_switching_language_and_elder_mode_keeps_the_bar_widgets(kiosk_ui):
    """The bar shows while survivors are frozen between visits: a new bar would leave the old one as frozen garbage."""
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        journey = kiosk_ui.journey
        before = dict(journey.bar_buttons)
        words = {key: b.label for key, b in before.items()}

        def switch():
            kiosk_ui.controller.act("lang")
            kiosk_ui.controller.act("elder")
            kiosk_ui.wait_screen("home")

        left = widgets_left_frozen(kiosk_ui, switch)
        # the body's containers are rebuilt for the new type size (not kept: few); labels and buttons are kept
        assert [name for name in left if name in ("WrapLabel", "BigButton")] == []
        # the set shown before is kept as the spare, filled for the next switch
        assert journey.bar_buttons != before and journey._spare_bar().buttons == before
        kept = set(before.values()) | set(journey.bar_buttons.values())
        kiosk_ui.controller.act("lang")
        kiosk_ui.wait_screen("home")
        assert set(journey.bar_buttons.values()) <= kept and journey.bar_buttons == before
        assert journey.bar_buttons["lang"].label != words["lang"] and "English" not in journey.bar_buttons["lang"].label
        assert journey.bar_buttons["home"].label != words["home"]
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
