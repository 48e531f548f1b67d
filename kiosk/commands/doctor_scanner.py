"""``kiosk doctor scanner``: wait for one scan on a serial scanner and show what it was.

Uses the same framing and classification as the kiosk. A payment code is printed masked
(last 4 digits only): it is a live, single-use credential of the citizen who scanned it.
"""

from __future__ import annotations

import argparse
import json

COMMAND = ("doctor", "scanner")
HELP = "check a serial scanner: wait for one code, print it (payment codes masked) and its kind"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/scanner or an emulator path)")
    parser.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600)")
    parser.add_argument("--framing", default="auto",
                        choices=("auto", "cr", "lf", "crlf", "stx_etx", "idle_gap"), help="code terminator")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a scan")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _fail(args: argparse.Namespace, kind: str, message: str, code: int) -> int:
    if args.json:
        print(json.dumps({"ok": False, "error": kind, "message": message}, ensure_ascii=False))
    else:
        print(f"scanner check failed ({kind}): {message}")
    return code


def run(args: argparse.Namespace) -> int:
    import serial

    from drivers.scanner.serial_scanner import scan_once
    from kiosk.services.codes import ClassifiedCode, interpret

    try:
        event = scan_once(args.port, args.timeout, baud=args.baud, framing=args.framing)
    except (OSError, serial.SerialException) as exc:
        return _fail(args, "no_device", f"cannot read {args.port}: {exc}", 3)
    if event is None:
        return _fail(args, "timeout", f"no code scanned on {args.port} within {args.timeout:g} s", 4)
    event = interpret(event)
    assert isinstance(event, ClassifiedCode)
    out = {"ok": True, "code": event.masked_text, "kind": event.kind.value, "length": len(event.text)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"code   {out['code']}\nkind   {out['kind']}\nlength {out['length']}")
    return 0
