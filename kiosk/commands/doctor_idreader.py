"""``kiosk doctor idreader``: one real read through the same driver code the kiosk uses.

Prints only masked personal data (ID first 6 + last 4, name initial) so a doctor run on
site never leaks a citizen's identity into a terminal log or a ticket.
"""

from __future__ import annotations

import argparse
import json

COMMAND = ("doctor", "idreader")
HELP = "check the ID-card reader: read one card, print it masked with the read time"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/idreader or an emulator path)")
    parser.add_argument("--baud", type=int, default=115200, help="serial speed (default 115200)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a card")
    parser.add_argument("--read-once", action="store_true", help="read one card and exit (the default action)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from drivers.idcard.reader import NoCard, NoDevice, ReaderError, read_once

    try:
        card, read_ms = read_once(args.port, args.baud, args.timeout)
    except ReaderError as exc:
        kind = {NoDevice: "no_device", NoCard: "no_card"}.get(type(exc), "timeout")
        if args.json:
            print(json.dumps({"ok": False, "error": kind, "message": str(exc)}, ensure_ascii=False))
        else:
            print(f"ID reader check failed ({kind}): {exc}")
        return {"no_device": 3, "no_card": 4}.get(kind, 5)
    out = {"ok": True, "card": card.masked(), "card_type": card.card_type.value, "read_ms": round(read_ms, 2)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out["card"].items():
            print(f"{key:12} {value}")
        print(f"{'read_ms':12} {out['read_ms']}")
    return 0
