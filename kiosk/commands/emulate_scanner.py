"""``kiosk emulate scanner``: a serial scanner on a pty, for the demo and manual tests.

Scriptable over stdin: ``scan TEXT``, ``garbage [N]``, ``partial TEXT``, ``unplug``,
``replug``, ``quit``.
"""

from __future__ import annotations

import argparse
import sys
import threading

COMMAND = ("emulate", "scanner")
HELP = "run an emulated serial QR scanner on a pseudo-terminal; scans typed on stdin"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", default=None, help="symlink path to create (default: a temp path)")
    parser.add_argument("--framing", default="cr", choices=("cr", "lf", "crlf", "stx_etx", "idle_gap"),
                        help="how each code is terminated on the wire (default cr)")
    parser.add_argument("--scan", action="append", default=[], help="code to scan right after start; repeatable")


def run(args: argparse.Namespace) -> int:
    from drivers.scanner.emulator import ScannerEmulator

    emu = ScannerEmulator(args.port, args.framing).start()
    print(f"scanner emulator on {emu.port} (framing {args.framing}); "
          f"connect: kiosk doctor scanner --port {emu.port}", flush=True)
    print("commands: scan <text>, garbage [n], partial <text>, unplug, replug, quit", flush=True)
    for code in args.scan:
        emu.scan(code)
    try:
        for line in sys.stdin:
            cmd, _, rest = line.rstrip("\r\n").partition(" ")
            try:
                if cmd == "scan" and rest:
                    emu.scan(rest)
                elif cmd == "garbage":
                    emu.inject_garbage(int(rest) if rest.strip().isdigit() else 64)
                elif cmd == "partial" and rest:
                    emu.send_partial(rest)
                elif cmd == "unplug":
                    emu.unplug()
                elif cmd == "replug":
                    emu.replug()
                elif cmd == "quit":
                    break
                elif cmd:
                    print(f"unknown command: {line.strip()}", flush=True)
                    continue
                else:
                    continue
            except OSError as exc:
                print(f"error: {exc}", flush=True)
                continue
            print("ok", flush=True)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0
