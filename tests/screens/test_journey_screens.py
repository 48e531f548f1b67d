"""Journeys through the real screens: touches go through Kivy's dispatch, devices through emulators."""

from __future__ import annotations

from pathlib import Path

from kiosk.devices.demo_cards import DEMO_CARDS


def _labels(kiosk_ui) -> str:
    from kivy.uix.label import Label

    return " ".join(w.text for w in kiosk_ui.root.walk(restrict=True) if isinstance(w, Label))


def test_home_guide_identify_query_through_the_screens(kiosk_ui, tmp_path):
    try:
        kiosk_ui.open_guide()
        assert "事项编码" in _labels(kiosk_ui)
        kiosk_ui.press("查询")
        kiosk_ui.wait_screen("identify")
        kiosk_ui.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
        kiosk_ui.wait_screen("identify.confirmed")
        shown = _labels(kiosk_ui)
        assert "110105********002X" in shown and "11010519491231002X" not in shown
        kiosk_ui.press("继续")
        kiosk_ui.wait_screen("query")
        assert "养老" in _labels(kiosk_ui) or "医疗" in _labels(kiosk_ui)
        saved = kiosk_ui.window.screenshot(name=str(tmp_path / "query.png"))
        assert Path(saved).stat().st_size > 5000
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
    assert "110105" not in _labels(kiosk_ui)


def test_timeout_warning_shows_countdown_and_more_time(kiosk_ui):
    kiosk_ui.controller.act("start")
    try:
        kiosk_ui.wait_screen("home")
        timer = kiosk_ui.controller.clock.timer
        timer._deadline = timer._clock() + 10  # ten seconds left: inside the warning
        kiosk_ui.controller.tick()
        kiosk_ui.frames(3)
        assert kiosk_ui.journey.overlay is not None
        kiosk_ui.press("我需要更多时间")
        kiosk_ui.frames(3)
        assert kiosk_ui.journey.overlay is None and timer.remaining() > 20
        timer._deadline = timer._clock() - 1
        kiosk_ui.controller.tick()
        kiosk_ui.frames(3)
        assert not kiosk_ui.controller.active and kiosk_ui.attract.parent is kiosk_ui.root
    finally:
        kiosk_ui.controller.end_visit("test")
