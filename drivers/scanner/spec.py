"""The code scanner as a device class: ``[devices.scanner]``, start, ``kiosk doctor scanner``.

Backends: a serial line-mode scanner, a USB HID keyboard-mode scanner, the camera (it
then starts after the camera), or the serial emulator on a pty.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from drivers.base import DeviceState, DeviceStatusChanged
from drivers.registry import N_, DeviceSpec, SectionModel, StartContext, Started, register
from drivers.scanner.doctor import DOCTOR

FramingName = Literal["auto", "cr", "lf", "crlf", "stx_etx", "idle_gap"]


class ScannerSection(SectionModel):
    backend: Literal["serial", "hid", "camera", "emulator", "none"] = "emulator"
    port: str = "/dev/kiosk/scanner"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 9600
    hid_device: str = "/dev/kiosk/scanner-hid"
    framing: FramingName = "auto"
    hid_suffix: Literal["enter", "tab", "none"] = "enter"
    """The key a HID scanner presses after each code (its suffix setting); "none": silence ends a code."""
    hid_idle_gap_s: float = Field(0.3, gt=0, le=5)
    """Silence (seconds) that ends a code without suffix, or makes a partial code stale and dropped."""

    def device_nodes(self) -> tuple[str, ...]:
        return {"serial": (self.port,), "hid": (self.hid_device,)}.get(self.backend, ())


def start(section: ScannerSection, ctx: StartContext) -> Started:
    if section.backend == "camera":
        from drivers.camera.camera_process import CameraProcess
        from drivers.scanner.camera_scanner import CameraScanner

        camera = ctx.running.get("camera")
        if not isinstance(camera, CameraProcess):
            ctx.publish(DeviceStatusChanged(ctx.name, DeviceState.OFFLINE, detail="no camera"))
            return Started(None)
        return Started(ctx.started(CameraScanner(ctx.name, camera, ctx.publish)))
    if section.backend == "hid":
        from drivers.scanner.hid import HidScanner

        return Started(ctx.started(HidScanner(ctx.name, section.hid_device, ctx.publish, suffix=section.hid_suffix,
                                              idle_gap=section.hid_idle_gap_s)))
    from drivers.scanner.emulator import ScannerEmulator
    from drivers.scanner.serial_scanner import SerialScanner

    return ctx.on_port(section, section.port, lambda: ScannerEmulator(framing="cr"),
                       lambda port: SerialScanner(ctx.name, port, ctx.publish, baud=section.baud,
                                                  framing=section.framing))


SPEC = register(DeviceSpec(name="scanner", label=N_("扫码器"), section=ScannerSection, start=start, order=20,
                           after=("camera",), doctor=DOCTOR))
