"""``kiosk doctor scanner``: wait for one code on a serial scanner and show it as the kiosk reads it."""

from __future__ import annotations

import argparse

from drivers.registry import Doctor, DoctorReport, DoctorRequest
from drivers.scanner.framing import Framing


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/scanner or an emulator path)")
    parser.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600)")
    parser.add_argument("--framing", default="auto", choices=[f.value for f in Framing], help="code terminator")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a scan")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _failed(kind: str, message: str, code: int) -> DoctorReport:
    return DoctorReport(code, {"ok": False, "error": kind, "message": message},
                        (f"scanner check failed ({kind}): {message}",))


def doctor(request: DoctorRequest) -> DoctorReport:
    """Wait for one scan on a serial scanner and show it as the kiosk reads it. A payment code
    is shown masked (last 4 digits only): it is a live, single-use credential of the citizen."""
    import serial

    from drivers.scanner.events import CodeScanned
    from drivers.scanner.serial_scanner import scan_once

    args = request.args
    try:
        found = scan_once(args.port, args.timeout, baud=args.baud, framing=args.framing)
    except (OSError, serial.SerialException) as exc:
        return _failed("no_device", f"cannot read {args.port}: {exc}", 3)
    if found is None:
        return _failed("timeout", f"no code scanned on {args.port} within {args.timeout:g} s", 4)
    event = request.interpret(found)
    shown = event.describe() if isinstance(event, CodeScanned) else found.describe()
    out = {"ok": True, **shown, "length": len(found.text)}
    return DoctorReport(0, out, tuple(f"{key:6} {value}" for key, value in out.items() if key != "ok"))


DOCTOR = Doctor("check a serial scanner: wait for one code, print it (payment codes masked) and its kind",
                add_doctor_arguments, doctor)
