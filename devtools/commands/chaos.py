"""``kiosk chaos``: kill a kiosk again and again and check that nothing was lost.

Starts the reference platform on a free loopback port (its own process) behind a fault
proxy (5xx, stalls, resets at ``--faults``), runs a worker kiosk on a state folder,
SIGKILLs it or the platform (``--platform-kills-ratio``) ``--kills`` times at random
moments (mid-submission, mid-payment, mid-print, mid-start-up) and restarts what was
killed on the same folder and database, then lets a final kiosk drain its journal and
settle its orders and compares the platform's records with what the citizens were shown. Exit status:
0 every invariant held, 1 one was broken (or the kiosk died by itself, or could not
drain and settle), 2 the harness could not finish (platform would not start, time
budget spent).
docs/durability.md describes the guarantees.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

COMMAND = ("chaos",)
HELP = ("kill a worker kiosk and the platform N times mid-visit, with network faults, and check nothing "
        "acknowledged was lost, duplicated or charged twice")
DEFAULT_PLATFORM_RATIO = 0.15
DEFAULT_FAULTS = 0.05


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kills", type=int, default=20, help="how many times to SIGKILL the kiosk (default 20)")
    parser.add_argument("--seed", type=int, default=None, help="random seed for where the kills land")
    parser.add_argument("--keep", metavar="DIR", default=None,
                        help="keep the run (platform db, kiosk state, acknowledgements, logs) in this new folder")
    parser.add_argument("--timeout", type=float, default=None,
                        help="time budget in seconds (default 120 + 12 per kill); the run stops taking kills then")
    parser.add_argument("--only", action="append", choices=("apply", "pay", "print"),
                        help="restrict the citizens' visits to these kinds (repeatable)")
    parser.add_argument("--mutate", action="append", default=[],
                        choices=("journal-new-key", "journal-after-screen", "ledger-attempt", "no-settlement"),
                        help="break a guarantee on purpose to see the harness notice (testing the harness)")
    parser.add_argument("--platform-kills-ratio", type=float, default=DEFAULT_PLATFORM_RATIO, metavar="R",
                        help="share of the kills that take the platform (a third of those with the kiosk; "
                             f"default {DEFAULT_PLATFORM_RATIO}, 0 = kiosk only)")
    parser.add_argument("--faults", type=float, default=DEFAULT_FAULTS, metavar="RATE",
                        help="share of the kiosk's requests the fault proxy answers 5xx, stalls or resets "
                             f"(default {DEFAULT_FAULTS}, 0 = none)")
    parser.add_argument("--platform-mutate", action="append", default=[], choices=("no-idempotency",),
                        help="break the platform on purpose to see the harness notice (testing the harness)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the harness's finally blocks stop the platform and the worker


def run(args: argparse.Namespace) -> int:
    from devtools.chaos.harness import HarnessError, run_chaos

    if args.kills < 0:
        print("--kills must be 0 or more", file=sys.stderr)
        return 2
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        report = run_chaos(args.kills, seed=args.seed, keep=args.keep, timeout_s=args.timeout, only=args.only,
                           mutate=args.mutate, platform_ratio=args.platform_kills_ratio, faults=args.faults,
                           platform_mutate=args.platform_mutate,
                           log=(lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr)))
    except HarnessError as exc:
        print(f"kiosk chaos: {exc}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        faults = report["faults"]
        print(f"{report['kills']} kills ({report['kiosk_kills']} of the kiosk, {report['platform_kills']} of the "
              f"platform), {faults['faults']} faults in {faults['requests']} requests, "
              f"{report['visits_started']} visits, "
              f"{report['applications_acknowledged']} applications acknowledged, "
              f"{report['applications_on_platform']} on the platform, {report['elapsed_s']} s")
        for key in ("lost", "duplicated", "double_charged", "lost_paid_prints"):
            print(f"  {key}: {report[key]}")
        print("OK" if report["ok"] else "VIOLATED: " + ", ".join(report["violations"]))
    if report["ok"]:
        return 0
    return 2 if report["violations"] == ["timed_out"] else 1
