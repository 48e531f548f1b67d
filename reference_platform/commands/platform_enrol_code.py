"""``kiosk platform enrol-code``: issue an enrolment code on the reference platform."""

from __future__ import annotations

import argparse
import json
import sys

COMMAND = ("platform", "enrol-code")
HELP = "issue a single-use, expiring enrolment code for `kiosk provision` (reference platform)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument("--code", default=None, help="the code to issue (default: a random KSK-XXXX-XXXX)")
    parser.add_argument(
        "--valid-hours", type=float, default=24.0, help="how long the code may be used (default 24; at most 720)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from reference_platform import enrolment
    from reference_platform.db import Database

    db = Database(args.db)
    try:
        code = enrolment.issue(db, args.code, ttl_s=args.valid_hours * 3600)
    except ValueError as exc:
        print(f"enrol-code: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if args.json:
        print(json.dumps({"code": code, "uses": 1, "valid_hours": args.valid_hours, "db": args.db}))
    else:
        print(code)
    return 0
