"""The device manager: turns ``[devices]`` into running drivers, and emulators where asked.

It is the one place that knows which backend a configured device uses. With the
``emulator`` backend the emulator is started first and the *real* driver is pointed
at its pseudo-terminal, so a demo kiosk runs the same driver code a field kiosk does.
A device that cannot be opened is reported ``offline`` by its driver, which keeps
retrying; nothing here raises for a missing device, so start-up never stops on one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.base import DeviceState, DeviceStatusChanged, Publish
from kiosk.config import Config

log = logging.getLogger(__name__)


@dataclass
class Emulators:
    """The counterparts started for ``emulator`` backends; the demo and tests drive them."""

    idreader: Any = None
    scanner: Any = None
    printer: Any = None
    a4printer: Any = None


@dataclass
class Devices:
    """Running drivers by role; ``None`` where the device is configured ``none``."""

    idreader: Any = None
    scanner: Any = None
    printer: Any = None
    a4printer: Any = None
    camera: Any = None
    emulators: Emulators = field(default_factory=Emulators)


class DeviceManager:
    """Starts and stops every configured device; ``devices`` holds the handles journeys use."""

    def __init__(self, cfg: Config, publish: Publish, work_dir: str | Path | None = None) -> None:
        self.cfg = cfg
        self.publish = publish
        self.work_dir = Path(work_dir) if work_dir else cfg.state_path() / "devices"
        self.devices = Devices()
        self._stoppers: list[Any] = []

    def start(self) -> Devices:
        """Open every device; each step is isolated so one broken backend can't stop the others."""
        for name in ("camera", "idreader", "scanner", "printer", "a4printer"):
            try:
                getattr(self, f"_start_{name}")()
            except Exception as exc:  # a device must never stop the kiosk from starting
                log.exception("device %s could not be started", name)
                self.publish(DeviceStatusChanged(name, DeviceState.HARDWARE_ERROR, detail=f"start failed: {exc}"))
        return self.devices

    def stop(self) -> None:
        for obj in reversed(self._stoppers):
            try:
                obj.stop()
            except Exception:
                log.exception("stopping %r failed", obj)
        self._stoppers.clear()

    def _started(self, obj: Any) -> Any:
        obj.start()
        self._stoppers.append(obj)
        return obj

    def _none(self, name: str) -> None:
        self.publish(DeviceStatusChanged(name, DeviceState.OFFLINE, detail="not configured"))

    # -- one method per device -------------------------------------------------------------

    def _start_camera(self) -> None:
        section = self.cfg.devices.camera
        if section.backend == "none":
            return self._none("camera")
        from drivers.camera.camera import Camera
        from drivers.camera.source import FileSource, OpenCvSource

        if section.backend == "emulator":
            source = section.source
            if not source:
                from drivers.camera.demo_frames import write_demo_frames

                source = str(write_demo_frames(self.work_dir / "camera"))
            make = lambda: FileSource(source, fps=10.0)  # noqa: E731
        else:
            make = lambda: OpenCvSource(section.device, section.width, section.height)  # noqa: E731
        self.devices.camera = self._started(Camera("camera", make, self.publish))
        return None

    def _start_idreader(self) -> None:
        section = self.cfg.devices.idreader
        if section.backend == "none":
            return self._none("idreader")
        from drivers.idcard.reader import IdCardReader

        port = section.port
        if section.backend == "emulator":
            from drivers.idcard.emulator import IdReaderEmulator

            emu = self._started(IdReaderEmulator())
            self.devices.emulators.idreader = emu
            port = emu.port
        self.devices.idreader = self._started(IdCardReader("idreader", port, self.publish, baud=section.baud))
        return None

    def _start_scanner(self) -> None:
        section = self.cfg.devices.scanner
        if section.backend == "none":
            return self._none("scanner")
        if section.backend == "camera":
            if self.devices.camera is None:
                self.publish(DeviceStatusChanged("scanner", DeviceState.OFFLINE, detail="no camera"))
                return None
            from drivers.scanner.camera_scanner import CameraScanner

            self.devices.scanner = self._started(CameraScanner("scanner", self.devices.camera, self.publish))
            return None
        if section.backend == "hid":
            from drivers.scanner.hid import HidScanner

            self.devices.scanner = self._started(HidScanner("scanner", section.hid_device, self.publish))
            return None
        from drivers.scanner.serial_scanner import SerialScanner

        port = section.port
        if section.backend == "emulator":
            from drivers.scanner.emulator import ScannerEmulator

            emu = self._started(ScannerEmulator(framing="cr"))
            self.devices.emulators.scanner = emu
            port = emu.port
        self.devices.scanner = self._started(
            SerialScanner("scanner", port, self.publish, baud=section.baud, framing=section.framing))
        return None

    def _start_printer(self) -> None:
        section = self.cfg.devices.printer
        if section.backend == "none":
            return self._none("printer")
        from drivers.printer.thermal import ThermalPrinter

        port = None
        if section.backend == "emulator":
            from drivers.printer.emulator import PrinterEmulator

            out = self.work_dir / "printer"
            emu = self._started(PrinterEmulator("pty", width=section.paper_width_dots, out_dir=out))
            self.devices.emulators.printer = emu
            port = emu.port
        printer = ThermalPrinter.from_config(section, self.publish, port=port)
        printer.start()
        self._stoppers.append(_Closer(printer))
        self.devices.printer = printer
        return None

    def _start_a4printer(self) -> None:
        section = self.cfg.devices.a4printer
        if section.backend == "none":
            return self._none("a4printer")
        from drivers.printer.a4 import a4_from_config

        a4 = a4_from_config(section, self.work_dir / "a4", self.publish)
        self.devices.a4printer = a4
        if section.backend == "emulator":
            self.devices.emulators.a4printer = a4
        else:
            state = a4.status()  # CUPS: ask once now so the attract screen is right from the start
            log.info("a4printer: %s", state.value)
        return None


class _Closer:
    """Adapts an object whose shutdown is ``close()`` to the manager's ``stop()`` list."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def stop(self) -> None:
        self.obj.close()
