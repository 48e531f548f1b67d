"""``kiosk platform action``: queue a remote action for a kiosk (it runs after the kiosk's next heartbeat)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMAND = ("platform", "action")
HELP = "queue a remote action for a kiosk (restart_app, reboot, print_test_page, technician_pin_reset, " \
       "upload_logs, screenshot, config_push); it is delivered with the kiosk's next heartbeat"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.platform.contract.actions import ACTION_KINDS

    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument("--kiosk", required=True, metavar="ID", help="the kiosk's id")
    parser.add_argument("--kind", required=True, choices=ACTION_KINDS)
    parser.add_argument("--param", action="append", default=[], metavar="K=V",
                        help="a parameter (repeatable): lines=N for upload_logs, toml=FRAGMENT or toml=@FILE "
                             "for config_push")
    parser.add_argument("--issued-by", default="cli", help="who asks, for the record (default: cli)")


def _params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param {pair!r}: expected KEY=VALUE")
        if value.startswith("@"):
            value = Path(value[1:]).read_text(encoding="utf-8")
        params[key] = value
    return params


def run(args: argparse.Namespace) -> int:
    from reference_platform.actions import ActionError, queue_action
    from reference_platform.db import Database

    try:
        params = _params(args.param)
    except (ValueError, OSError) as exc:
        print(f"action: {exc}", file=sys.stderr)
        return 2
    db = Database(args.db)
    try:
        action_id = queue_action(db, args.kiosk, args.kind, params, issued_by=args.issued_by)
    except ActionError as exc:
        print(f"action: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(action_id)
    return 0
