"""``kiosk platform technician-revoke``: withdraw a technician's access on every kiosk."""

from __future__ import annotations

import argparse
import sys
import time

COMMAND = ("platform", "technician-revoke")
HELP = "revoke a technician (each kiosk refuses them from its next heartbeat)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument("--technician-id", required=True, metavar="ID")


def run(args: argparse.Namespace) -> int:
    from reference_platform.db import Database
    from reference_platform.routes.technicians import revoke_technician

    db = Database(args.db)
    try:
        revoke_technician(db, args.technician_id, time.time())
    except ValueError as exc:
        print(f"technician-revoke: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    print(f"technician {args.technician_id} revoked; kiosks refuse them from their next heartbeat")
    return 0
