"""``kiosk run``: start the full-screen kiosk application."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from kiosk import config

COMMAND = ("run",)
HELP = "start the kiosk touch application (full screen)"

log = logging.getLogger(__name__)

NO_DISPLAY_HELP = """\
kiosk run: no display found (DISPLAY and WAYLAND_DISPLAY are unset and SDL_VIDEODRIVER is not
kmsdrm/offscreen), so the touch UI cannot open a window.
  - on a desktop or CI, run it under a virtual display:
        xvfb-run -a -s "-screen 0 1080x1920x24" bash scripts/kiosk.sh --windowed
    or  Xvfb :1 -screen 0 1080x1920x24 &  DISPLAY=:1 bash scripts/kiosk.sh
  - on a kiosk, start it under cage (cage -- kiosk run) or directly on the console with
    SDL_VIDEODRIVER=kmsdrm kiosk run"""


def display_problem(env: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """Why no window can be opened, or None; checked before SDL so a missing display is a message, not a crash."""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    if env.get("SDL_VIDEODRIVER", "").lower() in ("kmsdrm", "offscreen"):
        return None
    return NO_DISPLAY_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="kiosk.toml (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, else demo)")
    parser.add_argument("--windowed", action="store_true", help="a window of display.width x height, not full screen")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="save a screenshot of the attract screen once it shows platform data, then exit")


def run(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 3
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from kiosk.app import build_status, configure_kivy

    configure_kivy(cfg, windowed=args.windowed)
    from kiosk.app import make_app_class
    from kiosk.events import EventBus

    bus = EventBus()
    status = build_status(cfg, bus)
    source, cleanup = platform_source(cfg)
    app_cls = make_app_class()
    app = app_cls(cfg, bus, status, announcements=source)
    if args.screenshot:
        _arm_screenshot(app, status, args.screenshot)
    try:
        app.run()
    finally:
        cleanup()
        bus.close()
    return 0


def platform_source(cfg: config.Config) -> tuple[Callable[[], list] | None, Callable[[], None]]:
    """The announcements source and a cleanup; in demo mode the reference platform runs on loopback.

    Seam: kiosk/reference (``serve_in_thread``) and kiosk/client (``PlatformClient``) are
    separate packages; if they are not installed the kiosk still starts and shows the
    platform as unreachable.
    """
    try:
        from kiosk.client import PlatformClient
    except ImportError as exc:
        log.error("platform client unavailable: %s", exc)
        return _unavailable(f"kiosk.client is not available: {exc}"), lambda: None
    url = cfg.platform.url
    stop: Callable[[], None] = lambda: None  # noqa: E731
    if cfg.demo or not url:
        try:
            from kiosk.reference.server import serve_in_thread
        except ImportError as exc:
            return _unavailable(f"reference platform unavailable: {exc}"), lambda: None
        db = cfg.state_path() / "reference-platform.sqlite3"
        db.parent.mkdir(parents=True, exist_ok=True)
        handle = serve_in_thread(str(db), host="127.0.0.1", port=0)
        url, stop = handle.url, handle.stop
    client = _make_client(PlatformClient, cfg, url)
    return client.announcements, stop


def _make_client(cls: type, cfg: config.Config, url: str):
    from_config = getattr(cls, "from_config", None)
    if callable(from_config):
        return from_config(cfg, base_url=url)
    return cls(url, cfg.kiosk.id, config.read_secret(cfg))


def _unavailable(reason: str) -> Callable[[], list]:
    def source() -> list:
        raise ConnectionError(reason)
    return source


def _arm_screenshot(app, status, path: str) -> None:
    """Wait until the first poll result is on screen, then save a screenshot and stop."""
    from kivy.clock import Clock
    from kivy.core.window import Window

    def check(dt: float) -> bool:
        if status.snapshot().platform_reachable is None and check.waited < 15:
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
