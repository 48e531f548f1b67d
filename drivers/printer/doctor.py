"""``kiosk doctor printer``: a technician's check of the thermal printer (status, test page).

Talks to the printer exactly like the kiosk does (same driver, same DLE EOT status
reader), reads the status before and after, and refuses to print when the printer is
not ready, so a doctor run never wastes the last of the roll or hides a fault.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from drivers.registry import Doctor, DoctorReport, DoctorRequest

if TYPE_CHECKING:
    from drivers.printer.document import Document
    from drivers.printer.settings import PrinterSection
    from drivers.printer.transport import Link


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
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


def self_test_document(describe: str, before: dict[str, Any]) -> Document:
    """The test page: device, time, status, Chinese text and a QR code (also printed from technician mode)."""
    from drivers.printer.document import Document

    now = time.strftime("%Y-%m-%d %H:%M:%S")
    return Document.build(
        "receipt", "打印机自检 Printer self-test",
        [("设备 Device", describe), ("时间 Time", now), ("状态 Status", str(before["state"])),
         ("纸张 Paper", str(before["media"]))],
        qr=f"KIOSK-PRINTER-TEST {now}", qr_caption="扫描此码验证二维码打印 Scan to check QR printing",
        footer=["中文打印正常 Chinese text OK", "政务服务自助终端"],
    )


def _link(args: argparse.Namespace, section: PrinterSection) -> Link | str:
    """The connection the options (or else the config) name; a message when there is none."""
    from drivers.printer.transport import Link

    if args.port:
        return Link.serial(args.port, args.baud or section.baud)
    if args.host:
        return Link.network(args.host, args.tcp_port, timeout=5.0)
    if section.backend == "serial":
        return Link.serial(section.port, args.baud or section.baud)
    if section.backend == "network" and section.host:
        return Link.network(section.host, section.tcp_port, timeout=5.0)
    if section.backend == "usb":
        return Link.usb(section.usb_vendor, section.usb_product)
    return (f"no physical printer configured (devices.printer.backend = {section.backend!r}); "
            "pass --port DEV or --host HOST")


def _lines(report: dict[str, Any]) -> tuple[str, ...]:
    b = report["before"]
    lines = [f"printer {report['device']}: {b['state']} (media {b['media']}, {b['reason']}) raw {b['raw']}"]
    if "link_error" in report:
        lines.append(f"connection: {report['link_error']}")
    if "after" in report:
        a = report["after"]
        lines.append(f"after test page: {a['state']} (media {a['media']}, {a['reason']})")
    if report.get("printed"):
        lines.append("test page printed")
    return tuple(lines)


def doctor(request: DoctorRequest) -> DoctorReport:
    from drivers.printer.errors import PrinterError
    from drivers.printer.settings import PrinterSection
    from drivers.printer.thermal import ThermalPrinter

    args = request.args
    section = request.section()
    if not isinstance(section, PrinterSection):
        return DoctorReport(2)
    width = args.width or section.paper_width_dots
    try:
        link = _link(args, section)
    except PrinterError as exc:
        return DoctorReport(2, errors=(f"error: {exc}",))
    if isinstance(link, str):
        return DoctorReport(2, errors=(link,))

    printer = ThermalPrinter(link, paper_width=width, status_timeout=args.timeout,
                             text_mode=section.text_mode, qr_mode=section.qr_mode)
    report: dict[str, Any] = {"device": link.describe, "paper_width_dots": width}
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
    errors = (report["error"],) if "error" in report else ()
    return DoctorReport(code, report, _lines(report), errors)


DOCTOR = Doctor("check the ESC/POS thermal printer: real-time status, optional test page", add_doctor_arguments, doctor)
