"""``kiosk run``: start the full-screen kiosk application."""

from __future__ import annotations

import argparse
import logging
import os
import signal
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
    # SUPPRESS: given here it overrides `kiosk --config`; not given, it leaves that one alone
    # (a plain default would reset it, as argparse applies a subcommand's defaults last).
    parser.add_argument("--config", default=argparse.SUPPRESS,
                        help="kiosk.toml (default: $KIOSK_CONFIG, /etc/kiosk/kiosk.toml, else demo)")
    parser.add_argument("--windowed", action="store_true", help="a window of display.width x height, not full screen")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="save a screenshot of the attract screen once it shows platform data, then exit")


def stop_on_sigterm(stop: Callable[[], None], post: Callable[[Callable[[], None]], None]) -> None:
    """Let SIGTERM (``systemctl stop``, a restart) stop the app on its main loop.

    Left to SDL, SIGTERM becomes a window-close request, which the kiosk refuses so a
    citizen cannot close it: the kiosk would hang until systemd's SIGKILL. Installed
    here, the handler replaces SDL's; the app stops, then the runtime after it.
    """

    def handler(signum: int, _frame: object) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        post(stop)

    signal.signal(signal.SIGTERM, handler)


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
    from kiosk.privacy import install_log_masking

    install_log_masking()
    from kiosk.app import configure_kivy

    configure_kivy(cfg, windowed=args.windowed)
    from kiosk.app import arm_screenshot, kivy_post, make_app_class
    from kiosk.platform.process import PlatformStartError
    from kiosk.runtime import Runtime

    rt = Runtime(cfg, kivy_post)
    try:
        rt.start()
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except PlatformStartError as exc:  # demo mode on an install without the platform extra, say
        rt.stop()
        print(f"kiosk run: {exc}", file=sys.stderr)
        return 2
    app = make_app_class()(rt)
    if args.screenshot:
        arm_screenshot(app, rt.status, args.screenshot)
    stop_on_sigterm(app.stop, kivy_post)
    try:
        app.run()
    finally:
        rt.stop()
    return 0
