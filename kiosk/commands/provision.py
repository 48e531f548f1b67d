"""``kiosk provision``: enrol a fresh kiosk with the platform and lay out its files.

    echo 246810 | sudo kiosk provision --platform https://zwfw.example.gov.cn/kiosk-api \\
        --enrol-code KSK-7QX2-M4PA --site-name 天河区政务服务中心 --pin-stdin

Safe to run again: an existing enrolment is kept and nothing that is already right is
rewritten (the report says "unchanged"). The PIN is read from standard input, never from
the command line, where ``ps`` and the shell history would show it. See kiosk/ops/provision.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

COMMAND = ("provision",)
HELP = "enrol this kiosk with the platform and install its config, secret, units and udev rules (idempotent)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, metavar="URL", help="the platform's base URL")
    parser.add_argument("--enrol-code", required=True, metavar="CODE",
                        help="one-off enrolment code from the hall's administrator")
    parser.add_argument("--root", default="/", metavar="DIR",
                        help="install under DIR (an image tree); default / (this machine)")
    parser.add_argument("--pin-stdin", action="store_true",
                        help="read the technician PIN (6-12 digits) from the first line of standard input")
    parser.add_argument("--site-name", default=None, help="the service hall's name (needed on a fresh kiosk)")
    parser.add_argument("--ca-bundle", default="", metavar="FILE",
                        help="CA certificates for the platform's TLS (written to [platform] ca_bundle)")
    parser.add_argument("--re-enrol", action="store_true",
                        help="enrol again with the code even though this kiosk is enrolled (new id and secret)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def _read_pin() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Technician PIN (6-12 digits): ")
    return sys.stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    from kiosk.ops.provision import Options, ProvisionError, provision, summary

    if Path(args.root).resolve() == Path("/") and os.geteuid() != 0:
        print("provision: installing on this machine needs root (sudo), or give --root DIR", file=sys.stderr)
        return 2
    pin = _read_pin() if args.pin_stdin else None
    opts = Options(
        platform_url=args.platform,
        enrol_code=args.enrol_code,
        root=Path(args.root),
        pin=pin,
        site_name=args.site_name,
        ca_bundle=args.ca_bundle,
        re_enrol=args.re_enrol,
    )
    try:
        report = provision(opts)
    except ProvisionError as exc:
        if args.json:
            print(json.dumps({"status": "failed", "error": str(exc)}, ensure_ascii=False))
        else:
            print(f"provision: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        msg = f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
        if args.json:
            print(json.dumps({"status": "failed", "error": msg}, ensure_ascii=False))
        else:
            print(f"provision: {msg}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(summary(report))
    return 0
