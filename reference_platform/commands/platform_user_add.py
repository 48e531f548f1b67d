"""``kiosk platform user add``: create a web console account (operator, host of one site, rating officer).

The password is read from standard input (first line), never from the command line, so a
fresh platform can be set up by script without the password showing in ``ps`` or history.
"""

from __future__ import annotations

import argparse
import sys
import time

from reference_platform.commands import platform_extra_missing

COMMAND = ("platform", "user", "add")
HELP = "create a web console account (operator, host of a site, rating officer); password: first line of stdin"


def add_arguments(add: argparse.ArgumentParser) -> None:
    add.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    add.add_argument("--role", required=True, choices=("operator", "host", "rating"),
                     help="operator: every kiosk; host: the kiosks of --site; rating: 好差评 follow-up")
    add.add_argument("--name", required=True, help="sign-in name (2-40 letters, digits, . _ @ -)")
    add.add_argument("--site", default="", help="site name as the kiosks enrolled with (required for host)")


def run(args: argparse.Namespace) -> int:
    if platform_extra_missing("platform user add"):
        return 2
    from reference_platform.console.auth import add_user
    from reference_platform.db import Database

    password = sys.stdin.readline().rstrip("\r\n")
    db = Database(args.db)
    try:
        who = add_user(db, args.name, args.role, password, args.site, time.time())
    except ValueError as exc:
        print(f"platform user add: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    where = f" for site {who.site}" if who.site else ""
    print(f"console account {who.name} ({who.role}{where}) created; sign in at /console/")
    return 0
