"""``kiosk emulate idreader``: a SAM ID-card reader on a pty, for the demo and manual tests.

Scriptable over stdin: ``insert NAME``, ``remove``, ``fault KIND [N]``, ``unplug``, ``replug``,
``quit``. NAME is one of the emulator's sample cards (resident, permit, foreign, foreign-old).
"""

from __future__ import annotations

import argparse
import sys

COMMAND = ("emulate", "idreader")
HELP = "run an emulated ID-card reader on a pseudo-terminal; commands on stdin"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--card", choices=("resident", "permit", "foreign", "foreign-old", "none"),
                        default="resident", help="card on the reader at start")
    parser.add_argument("--port", default=None, help="symlink path to create (default: a temp path)")


def run(args: argparse.Namespace) -> int:
    from drivers.idreader.emulator import Fault, IdReaderEmulator
    from drivers.idreader.sample_cards import SAMPLE_CARDS

    emu = IdReaderEmulator(args.port).start()
    if args.card != "none":
        emu.insert(SAMPLE_CARDS[args.card])
    print(f"ID reader emulator on {emu.port}", flush=True)
    print("commands: insert <" + "|".join(SAMPLE_CARDS) + ">, remove, fault <"
          + "|".join(f.value for f in Fault) + "> [n], unplug, replug, quit", flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            cmd, rest = words[0], words[1:]
            if cmd == "insert" and rest and rest[0] in SAMPLE_CARDS:
                emu.insert(SAMPLE_CARDS[rest[0]])
            elif cmd == "remove":
                emu.remove()
            elif cmd == "fault" and rest and rest[0] in {f.value for f in Fault}:
                emu.inject_fault(rest[0], int(rest[1]) if len(rest) > 1 and rest[1].isdigit() else 1)
            elif cmd == "unplug":
                emu.unplug()
            elif cmd == "replug":
                emu.replug()
            elif cmd == "quit":
                break
            else:
                print(f"unknown command: {line.strip()}", flush=True)
                continue
            print("ok", flush=True)
        else:
            # stdin closed (e.g. run in the background): keep serving until Ctrl-C.
            import threading
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0
