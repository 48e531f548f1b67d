"""One Kivy window for the whole test session (Kivy can create only one per process).

Uses the existing DISPLAY (scripts/test.sh starts Xvfb); without one it starts its own
Xvfb on a free display number. Kivy's environment must be set before ``kivy`` is first
imported, hence the work at import time. ``KIOSK_TEST_UI_SIZE=1080x1920`` renders at a
kiosk's full size (the documentation's screenshots, see test_technician_screens.py).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

UI_SIZE = tuple(int(v) for v in os.environ.get("KIOSK_TEST_UI_SIZE", "540x960").lower().split("x"))


def _start_xvfb() -> None:
    if os.environ.get("DISPLAY") or not shutil.which("Xvfb"):
        return
    for n in range(140, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    screen = f"{max(1280, UI_SIZE[0])}x{max(1024, UI_SIZE[1])}x24"  # the whole window on the screen
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", screen, "-ac", "+extension", "GLX",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{n}"


_start_xvfb()
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-test-"))


class KioskUI:
    """The shared app, its root widget and helpers to run frames."""

    def __init__(self) -> None:
        from kiosk.app import configure_kivy
        from kiosk.config import Config

        cfg = Config(source="defaults")
        configure_kivy(cfg, windowed=True, size=UI_SIZE)
        from kivy.base import EventLoop

        EventLoop.ensure_window()
        from kivy.core.window import Window

        from kiosk.app import kivy_post, make_app_class
        from kiosk.config import demo_config
        from kiosk.runtime import Runtime

        self.window = Window
        self.event_loop = EventLoop
        from reference_platform.server import serve_in_thread

        state = Path(tempfile.mkdtemp(prefix="kiosk-ui-"))
        self.platform = serve_in_thread(str(state / "platform.sqlite3"), host="127.0.0.1", port=0, always_open=True)
        atexit.register(self.platform.stop)
        self.runtime = Runtime(demo_config(state), kivy_post, platform_url=self.platform.url, work_dir=state).start()
        atexit.register(self.runtime.stop)
        self.status = self.runtime.status
        self.app = make_app_class()(self.runtime)
        self.controller = self.app.controller
        self.root = self.app.build()
        self.app.root = self.root
        self.attract = self.app.attract
        self.journey = self.app.journey
        Window.add_widget(self.root)
        self.frames(3)

    def frames(self, n: int = 2) -> None:
        for _ in range(n):
            self.event_loop.idle()

    def wait(self, predicate, timeout: float = 15.0) -> bool:
        """Run frames until ``predicate()`` (worker results arrive through Kivy's Clock)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.frames(1)
            if predicate():
                return True
            time.sleep(0.01)
        return False

    def screen(self) -> str:
        return self.controller.frame().view.screen if self.controller.active else "attract"

    def resize(self, size: tuple[int, int]) -> None:
        """Give the window ``size`` and wait until the screens are laid out at it.

        The X server's answer to a resize comes back as an event some frames later (more
        of them on a loaded machine): a tap computed from the layout before it lands beside
        its button.
        """
        size = tuple(size)
        self.window.size = size
        ok = self.wait(lambda: tuple(self.window.size) == size and tuple(self.root.size) == size
                       and not self.app.settling)
        assert ok, f"the window stayed {tuple(self.window.size)}, its screens {tuple(self.root.size)}, not {size}"
        self.frames(2)

    def wait_screen(self, name: str, timeout: float = 15.0) -> None:
        ok = self.wait(lambda: self.screen() == name and not self.controller.current.busy and not self.app.settling,
                       timeout)
        assert ok, f"waited for {name!r}, on {self.screen()!r}"
        self.frames(2)

    def open_guide(self, category: str = "社保医保", service: str = "个人社会保险参保缴费查询") -> None:
        """Start a visit and tap through home and a category to a service's guide."""
        self.controller.act("start")
        self.wait_screen("home")
        self.press(category)
        self.wait_screen("home.category")
        self.press(service)
        self.wait_screen("guide")

    def buttons(self):
        from screens.widgets import BigButton

        return [w for w in self.root.walk(restrict=True) if isinstance(w, BigButton)]

    def press(self, label: str) -> None:
        """Tap the button whose text starts with ``label``, through Kivy's touch dispatch."""
        for b in self.buttons():
            if b.label == label and not b.disabled:
                scroll = self.journey.scroll
                if scroll.parent is not None and b in scroll.walk(restrict=True):
                    scroll.scroll_to(b, padding=40, animate=False)  # as a citizen scrolls to it
                    self.frames(2)
                x, y = b.to_window(b.center_x, b.center_y)
                self.tap(x, y)
                return
        raise AssertionError(f"no button {label!r}: {[b.label for b in self.buttons()]}")

    def tap(self, x: float, y: float) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(1)


def widgets_left_frozen(kiosk_ui: KioskUI, action) -> list[str]:
    """The widgets that were alive (and frozen) before ``action`` and are garbage after it.

    The kiosk freezes what survives each between-visit collection (kiosk/ops/heap.py);
    a frozen widget that turns into garbage later is freed, with its textures, only by a
    whole-heap collection: between visits nothing should become such garbage.
    """
    import gc

    from kivy.uix.widget import Widget

    gc.collect()
    gc.freeze()
    try:
        action()
        kiosk_ui.frames(3)
        gc.collect()  # what the action made and dropped: not frozen, freed by the usual passes
    finally:
        gc.unfreeze()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        names = [type(o).__qualname__ for o in gc.garbage if issubclass(type(o), Widget)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    gc.collect()
    return names


@pytest.fixture(scope="session")
def kiosk_ui() -> KioskUI:
    if not os.environ.get("DISPLAY") and os.environ.get("SDL_VIDEODRIVER") != "offscreen":
        pytest.skip("no display and no Xvfb installed")
    return KioskUI()
