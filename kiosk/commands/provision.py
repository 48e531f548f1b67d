"""``kiosk provision``: enrol a fresh kiosk with the platform and lay out its files.

    sudo kiosk provision --platform https://zwfw.example.gov.cn/kiosk-api --site-name 天河区政务服务中心
    printf 'KSK-7QX2-M4PA\n246810\n' | sudo kiosk provision --platform URL --enrol-code-file - --pin-stdin

Safe to run again: an existing enrolment is kept and nothing that is already right is
rewritten (the report says "unchanged"). The enrolment code and the PIN are asked for at a
prompt, or read from a file or standard input, never taken from the command line, where
``ps`` and the shell history would show them. See kiosk/ops/provision.py.
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
    parser.add_argument("--enrol-code-file", metavar="FILE",
                        help="read the one-off enrolment code from the first line of FILE ('-': standard input, "
                             "before the PIN); default: ask at a prompt")
    parser.add_argument("--enrol-code", metavar="CODE", help=argparse.SUPPRESS)
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


class InputError(Exception):
    """The enrolment code could not be read; the message says how to give it."""


def _read_pin() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Technician PIN (6-12 digits): ")
    return sys.stdin.readline().rstrip("\r\n")


def read_enrol_code(args: argparse.Namespace) -> str:
    """From --enrol-code-file (a file, or '-' for stdin), else a prompt; never from the command line."""
    if args.enrol_code is not None:
        raise InputError("--enrol-code on the command line is shown by ps and kept in the shell history; "
                         "leave it out to be asked, or use --enrol-code-file FILE (or - for standard input)")
    if args.enrol_code_file == "-":
        return sys.stdin.readline().strip()
    if args.enrol_code_file:
        try:
            with open(args.enrol_code_file, encoding="utf-8") as f:
                return f.readline().strip()
        except OSError as exc:
            raise InputError(f"--enrol-code-file {args.enrol_code_file}: {exc.strerror}") from None
    if not sys.stdin.isatty():
        raise InputError("no terminal to ask for the enrolment code: use --enrol-code-file FILE (or - for stdin)")
    import getpass

    return getpass.getpass("Enrolment code: ").strip()


def run(args: argparse.Namespace) -> int:
    from kiosk.ops.provision import Options, ProvisionError, provision, summary

    if Path(args.root).resolve() == Path("/") and os.geteuid() != 0:
        print("provision: installing on this machine needs root (sudo), or give --root DIR", file=sys.stderr)
        return 2
    try:
        code = read_enrol_code(args)
    except InputError as exc:
        print(f"provision: {exc}", file=sys.stderr)
        return 2
    pin = _read_pin() if args.pin_stdin else None
    opts = Options(
        platform_url=args.platform,
        enrol_code=code,
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
