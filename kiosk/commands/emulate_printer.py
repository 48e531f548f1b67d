"""``kiosk emulate printer``: run the ESC/POS printer emulator standalone (pty or TCP).

For demos and for trying the doctor or a real print path without hardware: every cut
page is written as a PNG to ``--out``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

COMMAND = ("emulate", "printer")
HELP = "run an ESC/POS printer emulator on a pty or a TCP port; pages are saved as PNG"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tcp", type=int, metavar="PORT", help="listen on this TCP port (9100 like JetDirect)")
    where.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal (the default)")
    parser.add_argument("--bind", default="127.0.0.1", help="TCP address to listen on (default 127.0.0.1)")
    parser.add_argument("--link", help="pty: also create this symlink to the pty (a stable device name)")
    parser.add_argument("--out", default="printer-out", help="folder for the PNG pages (default ./printer-out)")
    parser.add_argument("--width", type=int, choices=(384, 576), default=576, help="paper width in dots")
    parser.add_argument("--status", default="ok",
                        help="initial status: ok, near_end, out, cover_open, offline, cutter_error")


def run(args: argparse.Namespace) -> int:
    from drivers.printer.emulator import PRESETS, PrinterEmulator

    if args.status not in PRESETS:
        print(f"--status must be one of {', '.join(PRESETS)}", file=sys.stderr)
        return 2
    kind = "tcp" if args.tcp is not None else "pty"
    emu = PrinterEmulator(kind, width=args.width, out_dir=args.out, host=args.bind,
                          tcp_port=args.tcp if args.tcp is not None else 9100, link=args.link, status=args.status)
    try:
        emu.start()
    except OSError as exc:
        print(f"cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    if kind == "pty":
        print(f"printer emulator on pty {emu.port}: kiosk doctor printer --port {emu.port} --test-page", flush=True)
    else:
        print(f"printer emulator on tcp {emu.host}:{emu.tcp_port}: "
              f"kiosk doctor printer --host {emu.host} --tcp-port {emu.tcp_port} --test-page", flush=True)
    print(f"pages are written to {emu.out_dir}/ ; Ctrl-C stops", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    shown = 0
    while not done.wait(0.2):
        shown, paths = emu.paths_since(shown)
        for path in paths:
            print(f"page: {path}", flush=True)
    emu.stop()
    return 0
