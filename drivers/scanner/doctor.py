"""``kiosk doctor scanner``: wait for one code on a serial scanner and show it as the kiosk reads it.

It reports in the device states the kiosk uses: ``offline`` when the port cannot be read,
``online`` with the code (or with ``last_error`` saying no code came in time).
"""

from __future__ import annotations

import argparse

from drivers.base import DeviceState
from drivers.registry import Doctor, DoctorReport, DoctorRequest, state_report
from drivers.scanner.framing import Framing


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/scanner or an emulator path)")
    parser.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600)")
    parser.add_argument("--framing", default="auto", choices=[f.value for f in Framing], help="code terminator")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a scan")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


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
        return state_report(3, DeviceState.OFFLINE.value, None, f"cannot read {args.port}: {exc}")
    if found is None:
        return state_report(4, DeviceState.ONLINE.value, None,
                            f"no code scanned on {args.port} within {args.timeout:g} s")
    event = request.interpret(found)
    shown = {**(event.describe() if isinstance(event, CodeScanned) else found.describe()), "length": len(found.text)}
    lines = tuple(f"{key:6} {value}" for key, value in shown.items())
    return state_report(0, DeviceState.ONLINE.value, None, "", lines, **shown)


DOCTOR = Doctor("check a serial scanner: wait for one code, print it (payment codes masked) and its kind",
                add_doctor_arguments, doctor)
