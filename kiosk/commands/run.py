"""``kiosk run``: start the full-screen kiosk application."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable

from kiosk import config
from kiosk.ops.watchdog import Notifier

COMMAND = ("run",)
HELP = "start the kiosk touch application (full screen)"

log = logging.getLogger(__name__)

CONFIG_ERROR = 2
"""Exit status for a configuration the kiosk cannot run with (systemd/kiosk.service does not restart it)."""

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
                        help="kiosk.toml (default: $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)")
    parser.add_argument("--demo", action="store_true",
                        help="demo mode: with no configuration, or where it leaves them out, use emulated devices, "
                             "the reference platform on loopback and the demo secret (never on a kiosk in a hall)")
    parser.add_argument("--windowed", action="store_true", help="a window of display.width x height, not full screen")
    parser.add_argument("--screenshot", metavar="PNG",
                        help="save a screenshot of the attract screen once it shows platform data, then exit")


def stop_on_sigterm(stop: Callable[[], None], post: Callable[[Callable[[], None]], None],
                    notifier: Notifier | None = None) -> None:
    """Let SIGTERM (``systemctl stop``, a restart) stop the app on its main loop.

    Left to SDL, SIGTERM becomes a window-close request, which the kiosk refuses so a
    citizen cannot close it: the kiosk would hang until systemd's SIGKILL. Installed
    here, the handler replaces SDL's; the app stops, then the runtime after it.
    STOPPING=1 goes out at once, so systemd does not take the pause of the last
    frames for a hang.
    """

    def handler(signum: int, _frame: object) -> None:
        if notifier is not None:
            notifier.stopping()
        log.info("%s: stopping", signal.Signals(signum).name)
        post(stop)

    signal.signal(signal.SIGTERM, handler)


def refuse(message: str, notifier: Notifier) -> int:
    """A kiosk that cannot start says why on stderr (the journal) and in ``systemctl status``.

    Exit status 2 is the unit's RestartPreventExitStatus: the unit stays failed (red)
    instead of restarting into the same error until StartLimitAction reboots the box.
    """
    print(message, file=sys.stderr)
    notifier.status("configuration error: " + message.splitlines()[0])
    return CONFIG_ERROR


def load_config(args: argparse.Namespace) -> config.Config:
    """The configuration to run; without ``--demo`` one that uses no demo fallback, or ``ConfigError``."""
    cfg = config.load(args.config)
    if not getattr(args, "demo", False):
        from kiosk.ops.fieldready import require_field_config

        require_field_config(cfg)
    return cfg


def run(args: argparse.Namespace) -> int:
    notifier = Notifier()
    try:
        cfg = load_config(args)
    except config.ConfigError as exc:
        return refuse(str(exc), notifier)
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 3
    from kiosk.ops.logs import setup_logging

    setup_logging(logging.INFO)  # journald with priorities under systemd, a terminal elsewhere
    from kiosk.app import configure_kivy

    configure_kivy(cfg, windowed=args.windowed)
    from kiosk.app import arm_screenshot, kivy_post, make_app_class
    from kiosk.platform.process import PlatformStartError
    from kiosk.runtime import Runtime

    rt = Runtime(cfg, kivy_post)
    try:
        rt.start(devices_later=True)  # the window's first frame comes first; the app opens them after it
    except config.ConfigError as exc:
        rt.stop()
        return refuse(str(exc), notifier)
    except PlatformStartError as exc:  # demo mode on an install without the platform extra, say
        rt.stop()
        return refuse(f"kiosk run: {exc}", notifier)
    app = make_app_class()(rt)
    if args.screenshot:
        arm_screenshot(app, rt.status, args.screenshot)
    stop_on_sigterm(app.stop, kivy_post, notifier)
    try:
        app.run()
    finally:
        rt.stop()
    from kiosk.ops.process_exit import leave

    leave(0, wait_for=(rt.devices_thread,))  # never returns: no interpreter teardown under C++ threads
