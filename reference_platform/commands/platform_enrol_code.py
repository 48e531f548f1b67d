"""``kiosk platform enrol-code``: issue an enrolment code on the reference platform."""

from __future__ import annotations

import argparse
import json
import sys

COMMAND = ("platform", "enrol-code")
HELP = "issue a one-off enrolment code for `kiosk provision` (reference platform; creates the database when new)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument("--code", default=None, help="the code to issue (default: a random KSK-XXXX-XXXX)")
    parser.add_argument("--uses", type=int, default=1, help="how many kiosks may enrol with it (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from reference_platform import enrolment
    from reference_platform.db import Database
    from reference_platform.seed import seed

    db = Database(args.db)
    try:
        seed(db)
        code = enrolment.issue(db, args.code, args.uses)
    except ValueError as exc:
        print(f"enrol-code: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    if args.json:
        print(json.dumps({"code": code, "uses": args.uses, "db": args.db}))
    else:
        print(code)
    return 0
