"""The visit controller: timeouts warn first, and an abandoned visit leaves nothing personal."""

from __future__ import annotations

from kiosk.visit import visit_dirs

from .harness import Kiosk


def expire(kiosk: Kiosk, seconds_left: float) -> None:
    timer = kiosk.controller.clock.timer
    timer._deadline = timer._clock() + seconds_left
    kiosk.controller.tick()
    kiosk.loop.pump()


def test_warning_countdown_then_more_time(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    expire(kiosk, 12)
    assert kiosk.frame().chrome.countdown == 12
    kiosk.act("more_time")
    assert kiosk.frame().chrome.countdown is None and kiosk.controller.active


def test_abandoned_visit_is_wiped_on_timeout(kiosk: Kiosk) -> None:
    kiosk.to_apply_materials()
    kiosk.press("photo")
    kiosk.wait("apply.materials")
    visit = kiosk.controller.sessions.visit
    assert visit.identity is not None and visit.photos
    tmp = visit.tmp_dir()  # a file-backed photo or preview would live here
    (tmp / "preview.png").write_bytes(b"personal")

    expire(kiosk, -1)  # the citizen walked away

    assert not kiosk.controller.active and kiosk.frame().attract
    assert kiosk.controller.sessions.visit is None
    assert visit.identity is None and not visit.photos and not visit.form_values and not visit.records
    assert not tmp.exists()
    assert not visit_dirs()
    assert "110105" not in repr(kiosk.frame())


def test_the_language_button_offers_english_then_traditional_chinese(kiosk) -> None:
    from kiosk.i18n import current_language, set_language

    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    assert kiosk.frame().chrome.label("lang") == "English"
    kiosk.act("lang")
    assert current_language() == "en" and kiosk.frame().chrome.label("lang") == "繁體中文"
    kiosk.act("lang")
    assert current_language() == "zh_TW" and kiosk.frame().chrome.label("lang") == "简体中文"
    assert kiosk.view.title == "請選擇要辦理的業務"
    kiosk.act("lang")
    assert current_language() == "zh_CN"
