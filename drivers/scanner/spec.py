"""The code scanner as a device class: ``[devices.scanner]``, start, ``kiosk doctor scanner``.

Backends: a serial line-mode scanner, a USB HID keyboard-mode scanner, the camera (it
then starts after the camera), or the serial emulator on a pty.
"""

from __future__ import annotations

import argparse
from typing import Literal, get_args

from drivers.base import DeviceState, DeviceStatusChanged
from drivers.registry import (
    N_,
    DeviceSpec,
    Doctor,
    DoctorReport,
    DoctorRequest,
    SectionModel,
    StartContext,
    Started,
    register,
)

FramingName = Literal["auto", "cr", "lf", "crlf", "stx_etx", "idle_gap"]


class ScannerSection(SectionModel):
    backend: Literal["serial", "hid", "camera", "emulator", "none"] = "emulator"
    port: str = "/dev/kiosk/scanner"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    hid_device: str = "/dev/kiosk/scanner-hid"
    framing: FramingName = "auto"

    def device_nodes(self) -> tuple[str, ...]:
        return {"serial": (self.port,), "hid": (self.hid_device,)}.get(self.backend, ())


def start(section: ScannerSection, ctx: StartContext) -> Started:
    if section.backend == "camera":
        from drivers.camera.camera import Camera
        from drivers.scanner.camera_scanner import CameraScanner

        camera = ctx.running.get("camera")
        if not isinstance(camera, Camera):
            ctx.publish(DeviceStatusChanged(ctx.name, DeviceState.OFFLINE, detail="no camera"))
            return Started(None)
        return Started(ctx.started(CameraScanner(ctx.name, camera, ctx.publish)))
    if section.backend == "hid":
        from drivers.scanner.hid import HidScanner

        return Started(ctx.started(HidScanner(ctx.name, section.hid_device, ctx.publish)))
    from drivers.scanner.serial_scanner import SerialScanner

    port, emulator = section.port, None
    if section.backend == "emulator":
        from drivers.scanner.emulator import ScannerEmulator

        emulator = ctx.started(ScannerEmulator(framing="cr"))
        port = emulator.port
    scanner = SerialScanner(ctx.name, port, ctx.publish, baud=section.baud, framing=section.framing)
    return Started(ctx.started(scanner), emulator)


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/scanner or an emulator path)")
    parser.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600)")
    parser.add_argument("--framing", default="auto", choices=get_args(FramingName), help="code terminator")
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


SPEC = register(DeviceSpec(
    name="scanner",
    label=N_("扫码器"),
    section=ScannerSection,
    start=start,
    order=20,
    after=("camera",),
    doctor=Doctor("check a serial scanner: wait for one code, print it (payment codes masked) and its kind",
                  add_doctor_arguments, doctor),
))
