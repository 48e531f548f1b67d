"""Composition root: wires config, event bus, status model, platform poll and the screens.

This is the only kiosk/ module that imports Kivy, and it does so only after
``configure_kivy`` has set Kivy's config: Kivy reads its config (fullscreen, Escape
handling, cursor) at import time, so the order matters.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from kiosk import i18n
from kiosk.config import Config
from kiosk.events import EventBus
from kiosk.status import DEVICE_NAMES, AnnouncementsSource, PlatformPoller, StatusModel

log = logging.getLogger(__name__)

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def configure_kivy(cfg: Config, windowed: bool = False, size: tuple[int, int] | None = None) -> None:
    """Set Kivy's environment and config; must run before any other ``kivy`` import."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # one log stream (stdlib -> journald)
    if "KIVY_HOME" not in os.environ:
        home = cfg.state_path() / "kivy"
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError:
            home = Path(tempfile.mkdtemp(prefix="kiosk-kivy-"))
        os.environ["KIVY_HOME"] = str(home)
    from kivy.config import Config as KivyConfig

    full = cfg.display.fullscreen and not windowed
    width, height = size or (cfg.display.width, cfg.display.height)
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("graphics", "fullscreen", "auto" if full else "0")
    KivyConfig.set("graphics", "borderless", "1")
    KivyConfig.set("graphics", "resizable", "0")
    KivyConfig.set("graphics", "show_cursor", "0" if full else "1")
    KivyConfig.set("graphics", "allow_screensaver", "0")
    KivyConfig.set("graphics", "maxfps", str(cfg.display.max_fps))
    KivyConfig.set("graphics", "rotation", str(cfg.display.rotation))
    KivyConfig.set("graphics", "width", str(width))
    KivyConfig.set("graphics", "height", str(height))
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")


def register_fonts() -> None:
    """Make the CJK font Kivy's default so no label can fall back to Roboto (tofu)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, fn_regular=CJK_FONT)


def make_app_class() -> type:
    """Build the App class lazily so importing this module does not import Kivy."""
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    register_fonts()
    from screens.attract import AttractScreen

    class KioskApp(App):
        title = "政务服务自助终端"

        def __init__(self, cfg: Config, bus: EventBus, status: StatusModel,
                     announcements: AnnouncementsSource | None = None,
                     on_start_visit: Callable[[], None] | None = None, **kwargs) -> None:
            super().__init__(**kwargs)
            self.cfg = cfg
            self.bus = bus
            self.status = status
            self.language = cfg.kiosk.language
            self.elder = cfg.kiosk.elder_mode_default
            self.start_visit_hook = on_start_visit
            self.poller = PlatformPoller(announcements, bus) if announcements is not None else None
            self.attract: AttractScreen | None = None
            self._pending = False

        def build(self) -> AttractScreen:
            Window.bind(on_request_close=lambda *a, **k: True)
            screen = AttractScreen(site_name=self.cfg.kiosk.site_name)
            screen.bind(on_start_visit=lambda *_: self.on_start_visit(),
                        on_toggle_language=lambda *_: self.toggle_language(),
                        on_toggle_elder=lambda *_: self.toggle_elder())
            self.attract = screen
            self._apply_language()
            screen.elder = self.elder
            screen.show(self.status.snapshot())
            # Model changes arrive on device/poll threads; hop to the main thread once per burst.
            self.status.on_change(self._status_changed)
            return screen

        def on_start(self) -> None:
            if self.poller is not None:
                self.poller.start()
            else:
                log.warning("no platform announcements source configured")

        def on_stop(self) -> None:
            if self.poller is not None:
                self.poller.stop()
            if self.attract is not None:
                self.attract.stop()

        def _status_changed(self) -> None:
            if not self._pending:
                self._pending = True
                Clock.schedule_once(self._refresh, 0)

        def _refresh(self, _dt: float) -> None:
            self._pending = False
            if self.attract is not None:
                self.attract.show(self.status.snapshot())

        def on_start_visit(self) -> None:
            log.info("visit started from the attract screen")
            if self.start_visit_hook is not None:
                self.start_visit_hook()

        def toggle_language(self) -> None:
            self.language = "en" if self.language == "zh_CN" else "zh_CN"
            self._apply_language()

        def toggle_elder(self) -> None:
            self.elder = not self.elder
            if self.attract is not None:
                self.attract.elder = self.elder

        def _apply_language(self) -> None:
            i18n.set_language(self.language)
            other = "en" if self.language == "zh_CN" else "zh_CN"
            if self.attract is not None:
                self.attract.set_translators(i18n.translator(self.language).gettext,
                                             i18n.translator(other).gettext, self.language)

    return KioskApp


def build_status(cfg: Config, bus: EventBus) -> StatusModel:
    """Every configured device starts "offline" (backend none) or "unknown" until its driver reports."""
    status = StatusModel(DEVICE_NAMES)
    for name in DEVICE_NAMES:
        backend = getattr(cfg.devices, name).backend
        status.set_device(name, "offline" if backend == "none" else "unknown")
    status.attach(bus)
    return status
