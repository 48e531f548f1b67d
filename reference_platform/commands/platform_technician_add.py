"""``kiosk platform technician-add``: issue a technician an id and a PIN for the kiosks they may work on."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

COMMAND = ("platform", "technician-add")
HELP = "issue a technician (id + PIN; the platform keeps only a salted hash) for some sites/kiosks or all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument("--technician-id", required=True, metavar="ID", help="e.g. T001 (typed on the kiosk)")
    parser.add_argument("--name", required=True, help="the technician's name (kept on the platform only)")
    parser.add_argument("--sites", nargs="*", default=[], metavar="SITE",
                        help="site names (as enrolled) the technician may work at")
    parser.add_argument("--kiosks", nargs="*", default=[], metavar="ID", help="kiosk ids the technician may work on")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--pin-stdin", action="store_true",
                     help="read the PIN (6-12 digits) from the first line of standard input")
    how.add_argument("--prompt", action="store_true", help="ask for the PIN at the terminal (not echoed)")


def _read_pin(args: argparse.Namespace) -> str | None:
    """The PIN chosen by the administrator, or None to issue a random one (never from the command line)."""
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    if args.prompt:
        pin = getpass.getpass("technician PIN: ")
        if getpass.getpass("again: ") != pin:
            raise ValueError("the two PINs differ")
        return pin
    return None


def run(args: argparse.Namespace) -> int:
    from kiosk.platform.contract.technicians import PinFormatError, issue_pin
    from reference_platform.db import Database
    from reference_platform.routes.technicians import Scope, add_technician

    try:
        chosen = _read_pin(args)
    except ValueError as exc:
        print(f"technician-add: {exc}", file=sys.stderr)
        return 2
    pin = chosen if chosen is not None else issue_pin()
    db = Database(args.db)
    try:
        add_technician(db, args.technician_id, args.name, pin,
                       Scope(tuple(args.sites), tuple(args.kiosks)), time.time())
    except (ValueError, PinFormatError) as exc:
        print(f"technician-add: {exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    where = ", ".join([*(f"site {s}" for s in args.sites), *(f"kiosk {k}" for k in args.kiosks)]) or "every kiosk"
    print(f"technician {args.technician_id} issued for {where}; kiosks accept them from their next heartbeat")
    if chosen is None:
        print(f"one-time PIN (shown once, never stored): {pin}")
    return 0
