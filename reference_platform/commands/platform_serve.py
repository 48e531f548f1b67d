"""``kiosk platform serve``: run the reference government-service platform."""

from __future__ import annotations

import argparse
import sys

from reference_platform.commands import platform_extra_missing

COMMAND = ("platform", "serve")
HELP = "run the reference platform (FastAPI on SQLite); creates the database when new (--demo: with demo data)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8780, help="port (default 8780; 0 = any free port)")
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: seed demo citizens and credentials, serve /demo/* (loopback addresses only)",
    )
    parser.add_argument(
        "--always-open", action="store_true", help="offer hall-hours services (queue, check-in) around the clock"
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="public address of the verification page printed on certificates "
        "(default $KIOSK_PLATFORM_PUBLIC_URL, else the address each request came in on)",
    )
    parser.add_argument(
        "--submission-grace-days",
        type=_positive_days,
        default=7.0,
        help="accept a journaled application or rating this long after the citizen submitted it (default 7)",
    )
    console = parser.add_argument_group("web console (/console/)")
    console.add_argument("--offline-after", type=_positive_seconds, default=90.0, metavar="S",
                         help="a kiosk silent this many seconds is offline and alerted (default 90)")
    console.add_argument("--backlog-alert", type=_positive_seconds, default=3600.0, metavar="S",
                         help="alert when a kiosk's oldest unsent entry is older than this (default 3600)")
    console.add_argument("--alert-sweep", type=_positive_seconds, default=30.0, metavar="S",
                         help="how often to look for kiosks gone silent (default 30)")
    console.add_argument("--alert-webhook", default=None, metavar="URL",
                         help="POST every alert opened to this URL as JSON (retried; never delays a kiosk)")
    console.add_argument("--case-due-days", type=_positive_days, default=3.0,
                         help="days to call back a bad rating (default 3)")


def _positive_days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not 0 < days <= 3650:
        raise argparse.ArgumentTypeError("give a number of days above 0 and at most 3650")
    return days


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < seconds <= 7 * 86400:
        raise argparse.ArgumentTypeError("give a number of seconds above 0 and at most a week")
    return seconds


def run(args: argparse.Namespace) -> int:
    if platform_extra_missing("platform serve"):
        return 2
    from reference_platform.app import DemoDataRefused
    from reference_platform.console import ConsoleSettings
    from reference_platform.server import run as serve

    try:
        console = ConsoleSettings(offline_after_s=args.offline_after, backlog_alert_s=args.backlog_alert,
                                  sweep_interval_s=args.alert_sweep, webhook_url=args.alert_webhook,
                                  case_due_days=args.case_due_days)
        serve(
            args.db,
            args.host,
            args.port,
            demo=args.demo,
            always_open=args.always_open,
            submission_grace_s=args.submission_grace_days * 86400,
            public_url=args.public_url,
            console_settings=console,
        )
    except (ValueError, DemoDataRefused) as exc:
        print(f"platform serve: {exc}", file=sys.stderr)
        return 2
    return 0
