from pathlib import Path

from kivy.metrics import dp

from .conftest import widgets_left_frozen


def _widget_center(w):
    return w.to_window(w.center_x, w.center_y)


def test_attract_renders_and_screenshot_is_written(kiosk_ui, tmp_path):
    kiosk_ui.frames(3)
    root = kiosk_ui.attract
    assert root.headline == "请触摸屏幕开始办理"
    assert root.headline_secondary == "Touch the screen to start"
    assert root.ids.l_site.text == "示范政务服务中心"
    saved = kiosk_ui.window.screenshot(name=str(tmp_path / "attract.png"))
    assert saved and Path(saved).stat().st_size > 5000


def _pixels(text, font_name=None):
    from kivy.core.text import Label as CoreLabel

    kwargs = {"font_size": 48}
    if font_name:
        kwargs["font_name"] = font_name
    label = CoreLabel(text=text, **kwargs)
    label.refresh()
    return label.texture.size, label.texture.pixels


def test_chinese_glyphs_render_not_tofu(kiosk_ui):
    import os

    from kivy import kivy_data_dir

    roboto = os.path.join(kivy_data_dir, "fonts", "Roboto-Regular.ttf")
    # With Roboto, distinct Han characters all become the same "missing glyph" box;
    # that is what this test would see if the CJK font were not the default.
    assert _pixels("政", roboto) == _pixels("务", roboto)
    a, b = _pixels("政"), _pixels("务")
    assert a != b
    assert any(a[1]) and any(b[1])
    assert a != _pixels("政", roboto)


def test_announcements_from_status_model_appear(kiosk_ui):
    kiosk_ui.status.set_announcements([{"title": "不动产登记窗口调整", "body": "周六照常办理"}])
    kiosk_ui.status.set_platform(True)
    kiosk_ui.frames(3)
    texts = [lab.text for lab in kiosk_ui.attract.announcement_labels]
    assert any("不动产登记窗口调整" in t and "周六照常办理" in t for t in texts)
    assert kiosk_ui.attract.banner_text == ""


def test_announcement_pages_reuse_their_labels(kiosk_ui):
    """The attract screen is on when survivors are frozen: its next page must not leave frozen garbage."""
    kiosk_ui.status.set_announcements([{"title": f"公告{i}", "body": "周六照常办理"} for i in range(7)])
    kiosk_ui.status.set_platform(True)
    kiosk_ui.frames(3)
    attract = kiosk_ui.attract
    first = list(attract.announcement_labels)

    def next_page():
        attract._tick_page(0)
        kiosk_ui.frames(3)

    assert widgets_left_frozen(kiosk_ui, next_page) == []
    assert attract.announcement_labels[0] is first[0]
    assert "公告" in attract.announcement_labels[0].text
    kiosk_ui.status.set_announcements([])
    kiosk_ui.frames(3)


def test_unreachable_platform_shows_bilingual_banner(kiosk_ui):
    kiosk_ui.status.set_platform(False, "ConnectionRefusedError")
    kiosk_ui.frames(3)
    banner = kiosk_ui.attract.banner_text
    assert "无法连接政务服务平台" in banner and "Cannot reach" in banner
    kiosk_ui.status.set_platform(True)
    kiosk_ui.frames(3)
    assert kiosk_ui.attract.banner_text == ""


def test_device_states_follow_events(kiosk_ui):
    from drivers.base import DeviceState, DeviceStatusChanged

    kiosk_ui.runtime.bus.publish(DeviceStatusChanged("idreader", DeviceState.ONLINE))
    kiosk_ui.frames(3)
    assert "身份证读卡器 [color=7fcc8c]在线" in kiosk_ui.attract.devices_text


def test_tap_starts_a_visit_but_buttons_do_not(kiosk_ui):
    root = kiosk_ui.attract
    kiosk_ui.tap(*_widget_center(root.ids.b_lang))
    kiosk_ui.frames(2)
    assert not kiosk_ui.controller.active
    assert root.headline == "Touch the screen to start"
    kiosk_ui.tap(*_widget_center(root.ids.b_lang))
    kiosk_ui.frames(2)
    assert root.headline == "請觸摸屏幕開始辦理"  # Traditional Chinese, the third language
    kiosk_ui.tap(*_widget_center(root.ids.b_lang))
    kiosk_ui.frames(2)
    assert root.headline == "请触摸屏幕开始办理"
    kiosk_ui.tap(*_widget_center(root.ids.l_headline))
    try:
        assert kiosk_ui.controller.active
        kiosk_ui.frames(2)
        assert root.parent is None and kiosk_ui.journey.parent is kiosk_ui.root
    finally:
        kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)
    assert root.parent is kiosk_ui.root


def test_elder_mode_scales_text_and_buttons(kiosk_ui):
    root = kiosk_ui.attract
    normal = root.ids.l_headline.font_size
    kiosk_ui.tap(*_widget_center(root.ids.b_elder))
    kiosk_ui.frames(3)
    try:
        assert root.elder is True
        assert root.ids.l_headline.font_size >= 1.5 * normal - 0.01
        assert root.ids.b_elder.text == "标准模式"
        for b in (root.ids.b_elder, root.ids.b_lang):
            assert b.height >= dp(60) and b.width >= dp(60)
    finally:
        kiosk_ui.controller.act("elder")
        kiosk_ui.frames(2)
    assert root.elder is False


def test_drift_moves_content_within_bounds(kiosk_ui):
    root = kiosk_ui.attract
    root._started -= 450  # a quarter of the drift period later
    root._tick_drift(0)
    assert abs(root.drift_y) > dp(10) and abs(root.drift_x) <= dp(14) + 0.01


def test_escape_and_close_requests_do_not_exit(kiosk_ui):
    from kivy.config import Config

    window = kiosk_ui.window
    assert window.dispatch("on_request_close") is True
    Config.set("kivy", "exit_on_escape", "1")  # even if a stray config enabled Escape-to-quit
    try:
        window.dispatch("on_keyboard", 27, 9, None, [])
    finally:
        Config.set("kivy", "exit_on_escape", "0")
    assert kiosk_ui.event_loop.status != "stopped"
    kiosk_ui.frames(2)
    assert kiosk_ui.root.get_root_window() is window


def test_announcements_follow_the_language(kiosk_ui):
    from kiosk.devices.status import Announcement

    kiosk_ui.status.set_announcements([Announcement("春节安排", "暂停", "Spring Festival", "Closed")])
    kiosk_ui.frames(3)
    assert "春节安排" in kiosk_ui.attract.announcement_labels[0].text
    kiosk_ui.controller.act("lang")
    kiosk_ui.frames(2)
    try:
        assert "Spring Festival" in kiosk_ui.attract.announcement_labels[0].text
    finally:
        kiosk_ui.controller.act("lang")  # English -> 繁體中文 -> 简体中文
        kiosk_ui.controller.act("lang")
        kiosk_ui.frames(2)


def test_a_remote_screenshot_shows_only_the_attract_screen(kiosk_ui):
    """A ``screenshot`` action queued on the platform is taken by the app on its UI thread while the
    heartbeat thread waits; during a visit it is deferred, never taken."""
    import io
    import threading

    from PIL import Image

    from reference_platform.actions import action_payload, actions_for, queue_action
    from reference_platform.db import Database

    rt, controller = kiosk_ui.runtime, kiosk_ui.controller

    def beat_while_drawing() -> None:
        beat = threading.Thread(target=rt.heartbeat.beat)  # the heartbeat thread, in a kiosk
        beat.start()
        assert kiosk_ui.wait(lambda: not beat.is_alive(), 20)

    db = Database(kiosk_ui.platform.db_path)
    try:
        controller.act("start")
        kiosk_ui.wait_screen("home")
        during = queue_action(db, rt.cfg.kiosk.id, "screenshot", {}, "test")
        beat_while_drawing()
        assert {a["action_id"]: a for a in actions_for(db, rt.cfg.kiosk.id, 20)}[during]["status"] == "deferred"
        controller.end_visit("test")
        kiosk_ui.frames(3)
        beat_while_drawing()
        state = {a["action_id"]: a for a in actions_for(db, rt.cfg.kiosk.id, 20)}[during]
        assert state["status"] == "done", state
        payload = action_payload(db, during)
    finally:
        db.close()
    assert payload is not None
    with Image.open(io.BytesIO(payload.data)) as shot:
        assert shot.format == "PNG" and max(shot.size) <= 720
        assert len(shot.convert("L").getcolors(maxcolors=256 * 256) or ()) > 10  # the attract screen, not blank
