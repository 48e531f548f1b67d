"""Technician mode through the real screens: the hidden corner gesture on the attract screen
(touches through Kivy's dispatch), the PIN page and the devices page in the JourneyScreen.

``KIOSK_DOC_SCREENSHOTS=docs/screenshots KIOSK_TEST_UI_SIZE=1080x1920`` (and no DISPLAY, so
the session starts an Xvfb of that size) also saves the PIN and devices pages as
``technician-pin.png`` and ``technician-devices.png`` there, for docs/technician.md.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest

PIN = "975310"
CORNER_TAPS, CORNER_WINDOW_S = 5, 3.0
"""screens.attract's gesture; not imported here: importing Kivy's Window at collection time
would open it before the session fixture has set its size."""


def dp(value: float) -> float:
    from kivy.metrics import dp as kivy_dp

    return kivy_dp(value)


@pytest.fixture
def gesture(kiosk_ui):
    """The attract screen with a counter on its technician event; cleans up whatever opened."""
    root = kiosk_ui.attract
    fired: list[int] = []

    def count(*_a) -> None:
        fired.append(1)

    root._corner_taps = []
    root.bind(on_technician=count)
    try:
        yield fired
    finally:
        root.unbind(on_technician=count)
        root._corner_taps = []
        if kiosk_ui.controller.technician is not None:
            kiosk_ui.controller.act("end")
        if kiosk_ui.controller.active:
            kiosk_ui.controller.end_visit("test")
        kiosk_ui.frames(3)


def _corner(kiosk_ui) -> tuple[float, float]:
    """A point well inside the top-left corner, in window coordinates."""
    root = kiosk_ui.attract
    return root.to_window(root.x + dp(12), root.top - dp(12))


def _tap_corner(kiosk_ui, times: int) -> None:
    for _ in range(times):
        kiosk_ui.tap(*_corner(kiosk_ui))


def test_five_corner_taps_open_technician_mode_and_start_no_visit(kiosk_ui, gesture):
    import screens.attract

    assert (screens.attract.CORNER_TAPS, screens.attract.CORNER_WINDOW_S) == (CORNER_TAPS, CORNER_WINDOW_S)
    _tap_corner(kiosk_ui, CORNER_TAPS)
    kiosk_ui.frames(3)
    assert gesture == [1]
    controller = kiosk_ui.controller
    assert controller.technician is not None and not controller.active and controller.sessions.visit is None
    # the demo config has no technician PIN: the prompt says so and offers nothing else
    assert controller.frame().view.screen == "technician.no_pin"
    assert kiosk_ui.attract.parent is None and kiosk_ui.journey.parent is kiosk_ui.root


def test_four_corner_taps_do_nothing(kiosk_ui, gesture):
    _tap_corner(kiosk_ui, CORNER_TAPS - 1)
    kiosk_ui.frames(3)
    assert gesture == [] and kiosk_ui.controller.technician is None and not kiosk_ui.controller.active
    assert kiosk_ui.attract.parent is kiosk_ui.root


def test_taps_spread_over_more_than_three_seconds_do_nothing(kiosk_ui, gesture):
    _tap_corner(kiosk_ui, CORNER_TAPS - 1)
    root = kiosk_ui.attract
    root._corner_taps = [t - CORNER_WINDOW_S - 0.1 for t in root._corner_taps]  # as if tapped long ago
    _tap_corner(kiosk_ui, 1)
    assert gesture == [] and kiosk_ui.controller.technician is None and not kiosk_ui.controller.active
    _tap_corner(kiosk_ui, CORNER_TAPS - 1)  # the old taps expired: five fresh ones are needed
    assert gesture == [1] and kiosk_ui.controller.technician is not None


def test_taps_outside_the_corner_start_a_visit(kiosk_ui, gesture):
    root = kiosk_ui.attract
    kiosk_ui.tap(*root.to_window(root.x + dp(12), root.center_y))  # left edge, not the corner
    kiosk_ui.frames(2)
    assert gesture == [] and kiosk_ui.controller.active and kiosk_ui.controller.technician is None
    kiosk_ui.controller.end_visit("test")
    kiosk_ui.frames(3)
    x, y = _corner(kiosk_ui)
    kiosk_ui.tap(root.right - (x - root.x), y)  # the top-right corner is no gesture either
    kiosk_ui.frames(2)
    assert gesture == [] and kiosk_ui.controller.active


# -- the pages, rendered -------------------------------------------------------------------------
def _screen(kiosk_ui) -> str:
    return kiosk_ui.controller.frame().view.screen


def _wait_page(kiosk_ui, name: str) -> None:
    tech = kiosk_ui.controller.technician
    ok = kiosk_ui.wait(lambda: _screen(kiosk_ui) == name and not tech.busy and not kiosk_ui.app.settling)
    assert ok, f"waited for {name!r}, on {_screen(kiosk_ui)!r}"
    kiosk_ui.frames(3)


def _shoot(kiosk_ui, tmp_path: Path, name: str, docs: bool = True) -> Path:
    saved = Path(kiosk_ui.window.screenshot(name=str(tmp_path / f"{name}.png")))
    target = saved.replace(tmp_path / f"{name}.png")
    assert target.stat().st_size > 5000
    folder = os.environ.get("KIOSK_DOC_SCREENSHOTS")
    if docs and folder:
        shutil.copyfile(target, Path(folder) / f"{name}.png")
    return target


def _labels(kiosk_ui) -> str:
    from kivy.uix.label import Label

    return " ".join(w.text for w in kiosk_ui.root.walk(restrict=True) if isinstance(w, Label))


def _printer_online(kiosk_ui) -> bool:
    return kiosk_ui.status.snapshot().devices.get("printer") == "online"


def test_pin_and_devices_pages_render(kiosk_ui, gesture, tmp_path):
    from kiosk.ops.pin import hash_pin

    rt = kiosk_ui.runtime
    before = rt.cfg
    rt.cfg = before.model_copy(update={"kiosk": before.kiosk.model_copy(update={"technician_pin_hash": hash_pin(PIN)})})
    (rt.state_dir / "technician-pin.json").unlink(missing_ok=True)
    try:
        kiosk_ui.wait(lambda: _printer_online(kiosk_ui), 10)
        _tap_corner(kiosk_ui, CORNER_TAPS)
        _wait_page(kiosk_ui, "technician.pin")
        for digit in PIN[:3]:  # typed on the screen's keypad: shown as dots
            kiosk_ui.press(digit)
        kiosk_ui.frames(3)
        shown = _labels(kiosk_ui)
        assert "●●●" in shown and PIN[:3] not in shown
        _shoot(kiosk_ui, tmp_path, "technician-pin")
        for digit in PIN[3:]:
            kiosk_ui.press(digit)
        kiosk_ui.press("确定")
        _wait_page(kiosk_ui, "technician.devices")
        time.sleep(0.2)
        kiosk_ui.frames(3)
        shown = _labels(kiosk_ui)
        assert "凭条打印机" in shown and "打印测试页" in shown and PIN not in shown
        assert kiosk_ui.controller.sessions.visit is None and not kiosk_ui.controller.active
        _shoot(kiosk_ui, tmp_path, "technician-devices")
        logging.getLogger("kiosk.services.journal").warning(
            "outbox application 0b7c2f4e-9d1a-4c55-8a0e-3f4b2c1d9e87 not delivered (PlatformUnreachable); "
            "retry in 64 s; citizen phone 13812341234")
        for label, page in (("网络与平台", "platform"), ("队列与订单", "queues"), ("最近错误", "errors"),
                            ("导出日志", "export"), ("系统", "system")):
            kiosk_ui.press(label)  # every page renders through the real screen
            _wait_page(kiosk_ui, f"technician.{page}")
            assert "13812341234" not in _labels(kiosk_ui)
            _shoot(kiosk_ui, tmp_path, f"technician-{page}", docs=False)
        kiosk_ui.press("重启设备")
        _wait_page(kiosk_ui, "technician.confirm")
        _shoot(kiosk_ui, tmp_path, "technician-confirm", docs=False)
        kiosk_ui.press("取消")
        _wait_page(kiosk_ui, "technician.system")
        kiosk_ui.press("退出维护")
        kiosk_ui.frames(3)
        assert kiosk_ui.controller.technician is None and kiosk_ui.attract.parent is kiosk_ui.root
    finally:
        rt.cfg = before


@pytest.mark.parametrize("size", [None, (1280, 800)], ids=["portrait", "landscape"])
def test_an_error_under_the_pin_field_moves_no_key(kiosk_ui, gesture, size):
    """The error line keeps its room while empty: a wrong PIN's message and its going away on
    the next key leave the field and every key of the keypad where the finger is."""
    from kiosk.ops.pin import hash_pin
    from screens.widgets import BigButton

    rt = kiosk_ui.runtime
    before = rt.cfg
    rt.cfg = before.model_copy(update={"kiosk": before.kiosk.model_copy(update={"technician_pin_hash": hash_pin(PIN)})})
    (rt.state_dir / "technician-pin.json").unlink(missing_ok=True)

    def keys() -> dict[str, tuple[float, float]]:
        kiosk_ui.frames(3)
        body = kiosk_ui.journey.body
        return {b.label: tuple(b.to_window(b.x, b.y)) for b in body.walk(restrict=True) if isinstance(b, BigButton)}

    original = tuple(kiosk_ui.window.size)
    if size:
        kiosk_ui.resize(size)
    try:
        _tap_corner(kiosk_ui, CORNER_TAPS)
        _wait_page(kiosk_ui, "technician.pin")
        kiosk_ui.press("1")
        empty = keys()
        kiosk_ui.press("确定")  # one digit: too short, an error under the field
        _wait_page(kiosk_ui, "technician.pin")
        assert "维护密码" in _labels(kiosk_ui) and kiosk_ui.controller.technician.prompt.error
        with_error = keys()
        kiosk_ui.press("2")  # the first key clears the error
        cleared = keys()
        assert not kiosk_ui.controller.technician.prompt.error
        assert len(empty) >= 12  # the field and the keypad's 11 keys
        assert empty == with_error == cleared
    finally:
        rt.cfg = before
        kiosk_ui.resize(original)
