"""``kiosk platform technician-unlock``: lift a kiosk's technician PIN lock-out from the platform."""

from __future__ import annotations

import argparse
import sys
import time

COMMAND = ("platform", "technician-unlock")
HELP = "lift a kiosk's technician PIN lock-out (it applies with the kiosk's next heartbeat)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument("--kiosk", required=True, metavar="ID", help="the kiosk's id")


def run(args: argparse.Namespace) -> int:
    from reference_platform.db import Database
    from reference_platform.routes.technician_audit import request_unlock

    db = Database(args.db)
    try:
        request_unlock(db, args.kiosk, time.time())
    except ValueError as exc:
        print(f"technician-unlock: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"kiosk {args.kiosk}: technician lock-out lifted at its next heartbeat")
    return 0
