"""Composition root: the Kivy window on top of the runtime and the visit controller.

This is the only kiosk/ module that imports Kivy, and it does so only after
``configure_kivy`` has set Kivy's config: Kivy reads its config (fullscreen, Escape
handling, cursor) at import time, so the order matters. Everything else — devices,
platform, journeys — lives in ``kiosk.runtime`` and ``kiosk.journeys`` and runs the
same way headless.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kiosk import i18n
from kiosk.config import Config
from kiosk.ops.heap import IDLE_WHOLE_HEAP_S, Heap, fix_mmap_threshold, limit_malloc_arenas

log = logging.getLogger(__name__)

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TICK_S = 1.0


def configure_kivy(cfg: Config, windowed: bool = False, size: tuple[int, int] | None = None,
                   paced: bool = True) -> None:
    """Set Kivy's environment and config; must run before any other ``kivy`` import.

    ``paced=False`` turns Kivy's fps limiter off, for a caller that paces frames itself
    (the demo driver: the limiter's sleep would be counted in every measured frame).
    Also caps the process's malloc arenas and fixes its mmap threshold (``kiosk.ops.heap``): this
    runs before any thread starts.
    """
    limit_malloc_arenas()
    fix_mmap_threshold()
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
    KivyConfig.set("kivy", "keyboard_mode", "dock")
    KivyConfig.set("graphics", "fullscreen", "auto" if full else "0")
    KivyConfig.set("graphics", "borderless", "1")
    KivyConfig.set("graphics", "resizable", "0")
    KivyConfig.set("graphics", "show_cursor", "0" if full else "1")
    KivyConfig.set("graphics", "allow_screensaver", "0")
    # No multisampling. Kivy asks for 2 samples by default, which Mesa's software renderer
    # (llvmpipe) rounds up to 4: every pixel is shaded, blended and cleared four times, and
    # every swap adds a resolve pass. At 1080x1920 that costs ~20 ms of a ~45 ms frame.
    # Nothing here needs it: text, rounded corners and pictures are textures.
    KivyConfig.set("graphics", "multisamples", "0")
    KivyConfig.set("graphics", "maxfps", str(cfg.display.max_fps if paced else 0))
    KivyConfig.set("graphics", "rotation", str(cfg.display.rotation))
    KivyConfig.set("graphics", "width", str(width))
    KivyConfig.set("graphics", "height", str(height))
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")


def register_fonts() -> None:
    """Make the CJK font Kivy's default so no label can fall back to Roboto (tofu)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, fn_regular=CJK_FONT)


def fit_fullscreen_window(window) -> None:
    """Make a full-screen window really cover the screen it reports.

    Without a window manager (a kiosk's bare X server) SDL's desktop-fullscreen window
    keeps the configured size (1080x1920) while Kivy lays out for the screen's (say
    1920x1080): the panel showed a cropped 1080-wide strip. SDL ignores a new size for a
    full-screen window, so the window becomes a borderless one of the screen's size at
    the top-left corner, which looks the same and is the size the screens lay out for.
    """
    if window.fullscreen != "auto":
        return
    from kivy.clock import Clock

    size = tuple(window.system_size)
    window.fullscreen = False
    window.borderless = True

    def place(_dt: float) -> None:  # after SDL has left full screen (it restores the configured size)
        window.left, window.top = 0, 0
        window.size = size

    Clock.schedule_once(place, 0.2)


def kivy_post(fn: Callable[[], None]) -> None:
    """Hand ``fn`` to the Kivy main thread (what ``@mainthread`` does), from any thread."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: fn(), 0)


def arm_screenshot(app, status, path: str) -> None:
    """Wait until the platform answered and every device reported, then save a screenshot and stop."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    def check(dt: float) -> bool:
        snap = status.snapshot()
        settled = snap.platform_reachable is not None and "unknown" not in snap.devices.values()
        if not settled and check.waited < 15:
            check.waited += dt
            return True
        Clock.schedule_once(lambda _dt: _shoot(), 1.0)
        return False

    def _shoot() -> None:
        saved = Window.screenshot(name=path)
        print(f"screenshot: {saved}")
        app.stop()

    check.waited = 0.0
    Clock.schedule_interval(check, 0.2)


SCREEN_CAPTURE_WAIT_S = 10.0


def attract_capture(screen_busy: Callable[[], str | None]) -> Callable[[], bytes]:
    """The hook remote ``screenshot`` actions use (``Runtime.screen_capture``): the window as a PNG,
    taken on the UI thread and only while nothing but the attract screen shows (``screen_busy``
    is checked there too, so a citizen's first touch cannot slip in between check and capture)."""
    from concurrent.futures import Future

    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.ops.remote_actions import Deferred

    def capture() -> bytes:
        result: Future[bytes] = Future()

        def on_ui(_dt: float) -> None:
            why = screen_busy()
            if why:
                result.set_exception(Deferred(why))
                return
            try:
                with tempfile.TemporaryDirectory(prefix="kiosk-shot-") as folder:
                    saved = Window.screenshot(name=str(Path(folder) / "attract.png"))  # Kivy numbers it
                    result.set_result(Path(saved).read_bytes())
            except Exception as exc:  # handed to the heartbeat thread, which answers "failed"
                result.set_exception(exc)

        Clock.schedule_once(on_ui, 0)
        return result.result(SCREEN_CAPTURE_WAIT_S)

    return capture
WARM_AFTER_S = 1.0
"""Seconds after start-up when ``warm_in_background`` begins (the first frames are shown by then)."""


def _journey_factories():
    """Every journey (``kiosk.journeys.registry``), imported when first needed (``DeferredFactories``)."""
    from kiosk.journeys.registry import journey_factories

    return journey_factories()


def warm_in_background(heap: Heap, *loads: Callable[[], object]) -> threading.Thread:
    """Load, off the main thread, what a visit needs but the attract screen does not.

    Kept out of the import chain before the first frame (see docs/performance.md, "Start-up"),
    and loaded here so the first citizen does not wait for it either; what it loaded joins
    the frozen start-up heap (``Heap.adopt_loaded``).
    """
    def warm() -> None:
        for load in loads:
            load()
        heap.adopt_loaded()

    thread = threading.Thread(target=warm, name="warm-imports", daemon=True)
    thread.start()
    return thread


GC_AFTER_VISIT_S = 2.0
MAX_SKIPPED_COLLECTIONS = 5
"""After this many visits that followed each other within GC_AFTER_VISIT_S, the collection runs
at once when the visit ends (one slower frame on the way to attract) instead of waiting."""


FRAME_METRIC_S = 60.0
"""``kiosk_longest_frame_ms`` is the longest frame of each such period."""


class FrameMeter:
    """The longest main-loop frame, measured between Clock callbacks (the 50 ms budget)."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._last = time.perf_counter()
        self.frames = 0

    def tick(self, _dt: float = 0.0) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000
        self._last = now
        self.frames += 1
        if self.frames > 3:  # the first frames include window creation
            self.longest_ms = max(self.longest_ms, gap)

    def reset(self) -> None:
        self.longest_ms = 0.0
        self._last = time.perf_counter()

    def publish(self, gauge) -> None:
        """Hand the longest frame since the last call to ``gauge`` (``kiosk_longest_frame_ms``), start over."""
        gauge.set(round(self.longest_ms, 1))
        self.reset()


def make_app_class() -> type:
    """Build the App class lazily so importing this module does not import Kivy."""
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.uix.floatlayout import FloatLayout

    register_fonts()
    from kiosk.devices.status import PlatformPoller
    from kiosk.journeys.controller import VisitController
    from kiosk.journeys.factories import DeferredFactories
    from kiosk.ops.watchdog import Notifier
    from kiosk.runtime import Runtime
    from screens.attract import AttractScreen
    from screens.journey import JourneyScreen

    class KioskApp(App):
        title = "政务服务自助终端"

        def __init__(self, rt: Runtime, **kwargs) -> None:
            super().__init__(**kwargs)
            self.rt = rt
            self.cfg = rt.cfg
            self.status = rt.status
            self.journeys = DeferredFactories(_journey_factories)
            self.controller = VisitController(rt, self.journeys)
            rt.screen_capture = attract_capture(self.controller.screen_busy)
            self.poller = PlatformPoller(rt.client.announcements, rt.bus)
            self.notifier = Notifier()
            self.meter = FrameMeter()
            self.attract: AttractScreen | None = None
            self.journey: JourneyScreen | None = None
            self.root_box: FloatLayout | None = None
            self._pending = False
            self._events: list = []
            self.heap = Heap()
            self.collections = 0
            """Between-visit garbage collections done (the demo waits for them, as a kiosk's gaps allow)."""
            self.skipped_collections = 0
            """Collections skipped in a row because a visit had already started again."""
            self._idle_event = None
            self._collect_event = None
            """The one between-visit collection waiting to run: a visit's end replaces it, so a
            quick run of visits collects once, GC_AFTER_VISIT_S after the last of them."""

        def build(self) -> FloatLayout:
            Window.bind(on_request_close=lambda *a, **k: True)
            fit_fullscreen_window(Window)

            def first_frame(*_a) -> None:
                Window.unbind(on_flip=first_frame)
                if self.rt.devices_deferred:  # the first frame is on screen: now the devices (seconds of imports)
                    self.rt.start_devices()
                Clock.schedule_once(self._warm_up, 0)

            Window.bind(on_flip=first_frame)
            root = FloatLayout()
            self.attract = AttractScreen(site_name=self.cfg.kiosk.site_name)
            self.attract.bind(on_start_visit=lambda *_: self.controller.act("start"),
                              on_toggle_language=lambda *_: self.controller.act("lang"),
                              on_toggle_elder=lambda *_: self.controller.act("elder"),
                              on_technician=lambda *_: self.controller.act("technician"))
            self.journey = JourneyScreen(self.controller.act)
            root.add_widget(self.attract)
            self.root_box = root
            self.controller.on_change(self._hold_collection)
            self.controller.on_change(self.request_render)
            self.status.on_change(lambda: kivy_post(self.request_render))
            self._render(0)
            return root

        def on_start(self) -> None:
            self.rt.on_platform_ready(self.poller.start)  # a demo platform may still be booting
            self._events = [Clock.schedule_interval(self._tick, TICK_S),
                            Clock.schedule_interval(self.meter.tick, 0)]
            interval = self.notifier.watchdog_interval_s
            if interval:
                self._events.append(Clock.schedule_interval(lambda _dt: self.notifier.ping(), interval / 3))
            metrics = self.rt.metrics
            if metrics is not None:
                self._events.append(Clock.schedule_interval(lambda _dt: self.meter.publish(metrics.frame_ms),
                                                            FRAME_METRIC_S))
            self.heap.start()
            Clock.schedule_once(lambda _dt: warm_in_background(self.heap, self.journeys.resolve), WARM_AFTER_S)
            self.notifier.status("starting: drawing the attract screen")

        def _hold_collection(self) -> None:
            """A visit has begun: no collection at a citizen's touch; the pass after the visit does it."""
            if self.controller.active:
                self.heap.hold()

        def _tick(self, dt: float) -> None:
            self.controller.tick(dt)
            self.heap.check_hold()

        def _warm_up(self, _dt: float = 0.0) -> None:
            """What the first visit would otherwise pay for, done in the frames after the first one."""
            from screens.warm import warm_fonts, warm_images, warm_renderer

            log.info("fonts ready in %.2f s, image loader in %.2f s", warm_fonts(), warm_images())
            undo_warm = warm_renderer(Window)
            # READY only now: systemd arms WatchdogSec= at READY, and the first frame and these warm-ups
            # hold the main loop for seconds on a slow kiosk (over 30 s on llvmpipe under QEMU), which
            # TimeoutStartSec= is meant to bound, not the watchdog. The next tick proves the loop runs.
            Clock.schedule_once(lambda _dt: self.notifier.ready("attract screen shown"), 0)

            def warmed(*_a) -> None:
                Window.unbind(on_flip=warmed)
                Clock.schedule_once(lambda _dt: undo_warm(), 0)

            Window.bind(on_flip=warmed)

        def on_stop(self) -> None:
            self.notifier.stopping()
            for ev in self._events:
                ev.cancel()
            for event in (self._idle_event, self._collect_event):
                if event is not None:
                    event.cancel()
            self.poller.stop()
            if self.attract is not None:
                self.attract.stop()

        def _collect(self, _dt: float = 0.0) -> None:
            if self._collect_event is not None:
                self._collect_event.cancel()
                self._collect_event = None
            if self.controller.active:
                self.skipped_collections += 1  # the next citizen was quicker
                return
            ms = self.heap.after_visit()
            self.collections += 1
            self.skipped_collections = 0
            log.debug("garbage collected between visits in %.0f ms", ms)
            if self._idle_event is not None:
                self._idle_event.cancel()
            self._idle_event = Clock.schedule_once(self._collect_whole, IDLE_WHOLE_HEAP_S)

        def _collect_whole(self, _dt: float = 0.0) -> None:
            """Nobody has touched the screen since the last visit: the whole heap, once."""
            self._idle_event = None
            if self.controller.active:
                return  # the visit's end schedules the next chance
            log.info("whole heap collected while idle in %.0f ms", self.heap.whole())

        # -- rendering -----------------------------------------------------------------------
        @property
        def settling(self) -> bool:
            """A render is on its way or the step is still being built, a few rows per frame (what a driver or
            test waits out before it reads or touches the screen)."""
            return self._pending or (self.journey is not None and self.journey.building)

        def request_render(self) -> None:
            """Coalesce bursts of changes into one render on the next frame."""
            if not self._pending:
                self._pending = True
                Clock.schedule_once(self._render, 0)

        def _render(self, _dt: float) -> None:
            self._pending = False
            frame = self.controller.frame()
            assert self.root_box is not None and self.attract is not None and self.journey is not None
            showing_attract = self.attract.parent is not None
            if frame.attract:
                if not showing_attract:
                    self.root_box.clear_widgets()
                    self.root_box.add_widget(self.attract)
                    self.journey.clear()
                    if self.skipped_collections >= MAX_SKIPPED_COLLECTIONS:
                        self._collect()  # a queue of citizens all day: collect now, before the heap grows on
                    else:
                        if self._collect_event is not None:
                            self._collect_event.cancel()
                        self._collect_event = Clock.schedule_once(self._collect, GC_AFTER_VISIT_S)
                self.attract.elder = frame.chrome.elder
                other = "zh_CN" if frame.chrome.language == "en" else "en"
                self.attract.set_translators(i18n.translator(frame.chrome.language).gettext,
                                             i18n.translator(other).gettext, frame.chrome.language)
                self.attract.show(self.status.snapshot())
                return
            if showing_attract:
                self.root_box.clear_widgets()
                self.root_box.add_widget(self.journey)
            self.journey.render(frame)

    return KioskApp
