"""``kiosk doctor printer``: a technician's check of the thermal printer (status, test page).

Talks to the printer exactly like the kiosk does (same driver, same DLE EOT status
reader), prints the status before and after, and refuses to print when the printer is
not ready, so a doctor run never wastes the last of the roll or hides a fault. The test
page is ``kiosk.ops.testpage``'s, the same one technician mode prints.
"""

from __future__ import annotations

import argparse
import json
import sys

COMMAND = ("doctor", "printer")
HELP = "check the ESC/POS thermal printer: real-time status, optional test page"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--port", help="serial device (e.g. /dev/kiosk/printer or an emulator pty)")
    where.add_argument("--host", help="network printer address (raw TCP, JetDirect)")
    parser.add_argument("--tcp-port", type=int, default=9100, help="network printer port (default 9100)")
    parser.add_argument("--baud", type=int, default=None, help="serial speed (default: from the config)")
    parser.add_argument("--width", type=int, choices=(384, 576), default=None,
                        help="paper width in dots: 384 (58 mm) or 576 (80 mm); default from the config")
    parser.add_argument("--timeout", type=float, default=0.5, help="seconds to wait for each status reply")
    parser.add_argument("--test-page", action="store_true", help="print a test page (refused if not ready)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    from drivers.printer.errors import PrinterError
    from drivers.printer.thermal import ThermalPrinter
    from drivers.printer.transport import Link
    from kiosk import config
    from kiosk.ops.testpage import self_test_document

    try:
        cfg = config.load(getattr(args, "config", None))
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    section = cfg.devices.printer
    width = args.width or section.paper_width_dots
    try:
        if args.port:
            link = Link.serial(args.port, args.baud or section.baud)
        elif args.host:
            link = Link.network(args.host, args.tcp_port, timeout=5.0)
        elif section.backend == "serial":
            link = Link.serial(section.port, args.baud or section.baud)
        elif section.backend == "network" and section.host:
            link = Link.network(section.host, section.tcp_port, timeout=5.0)
        elif section.backend == "usb":
            link = Link.usb(section.usb_vendor, section.usb_product)
        else:
            print(f"no physical printer configured (devices.printer.backend = {section.backend!r}); "
                  "pass --port DEV or --host HOST", file=sys.stderr)
            return 2
    except PrinterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    printer = ThermalPrinter(link, paper_width=width, status_timeout=args.timeout)
    report: dict[str, object] = {"device": link.describe, "paper_width_dots": width}
    code = 0
    try:
        before = printer.status()
        report["before"] = before.as_dict()
        if link.last_error:
            report["link_error"] = link.last_error
        if not before.ready:
            code = 1
        if args.test_page:
            if not before.ready:
                report["printed"] = False
                report["error"] = f"refusing to print: printer is {before.state.value} ({before.reason.value})"
            else:
                try:
                    printer.print_document(self_test_document(link.describe, before.as_dict()), "doctor-test-page")
                    report["printed"] = True
                except PrinterError as exc:
                    report["printed"] = False
                    report["error"] = f"test page failed: {exc.reason}"
                    code = 1
                report["after"] = printer.last_status.as_dict()
    finally:
        printer.close()

    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        b = report["before"]
        print(f"printer {report['device']}: {b['state']} (media {b['media']}, {b['reason']}) raw {b['raw']}")
        if "link_error" in report:
            print(f"connection: {report['link_error']}")
        if "after" in report:
            a = report["after"]
            print(f"after test page: {a['state']} (media {a['media']}, {a['reason']})")
        if report.get("printed"):
            print("test page printed")
    if "error" in report:
        print(report["error"], file=sys.stderr)
    return code
