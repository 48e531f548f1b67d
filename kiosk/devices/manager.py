"""The device manager: turns ``[devices]`` into running drivers, and emulators where asked.

It walks the driver registry (``drivers.registry``) and starts each configured device
class through its spec, in an order that puts a device after the ones it needs. With
the ``emulator`` backend a spec starts the emulator first and points the *real* driver
at it, so a demo kiosk runs the same driver code a field kiosk does. A device that
cannot be opened is reported ``offline`` by its driver, which keeps retrying; a
backend that fails to start is reported ``hardware_error``, so start-up never stops on one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast, overload

from drivers import registry
from drivers.base import DeviceState, DeviceStatusChanged, Publish
from drivers.registry import StartContext
from kiosk.devices.protocols import A4Printer, Camera, IdReader, Scanner, ThermalPrinter

if TYPE_CHECKING:
    from drivers.camera.camera_process import EmulatedScenes
    from drivers.idreader.emulator import IdReaderEmulator
    from drivers.printer.a4 import FolderA4Printer
    from drivers.printer.emulator import PrinterEmulator
    from drivers.scanner.emulator import ScannerEmulator

log = logging.getLogger(__name__)

T = TypeVar("T")


class _ByName:
    """Objects by device name; ``None`` for a device that is not running."""

    def __init__(self) -> None:
        self._items: dict[str, object] = {}

    def get(self, name: str) -> object | None:
        return self._items.get(name)

    def __getattr__(self, name: str) -> object | None:
        """Any registered device class by attribute, like the typed ones below."""
        if name.startswith("_") or name not in registry.names():
            raise AttributeError(f"{type(self).__name__} has no device {name!r}")
        return self._items.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)


class _Slot(Generic[T]):
    """A typed attribute over ``_ByName.get`` (``devices.printer`` is ``devices.get("printer")``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, holder: None, owner: type) -> _Slot[T]: ...

    @overload
    def __get__(self, holder: _ByName, owner: type | None = None) -> T | None: ...

    def __get__(self, holder: _ByName | None, owner: type | None = None) -> _Slot[T] | T | None:
        return self if holder is None else cast("T | None", holder.get(self.name))


class Emulators(_ByName):
    """The counterparts started for ``emulator`` backends; the demo and tests drive them."""

    idreader: _Slot[IdReaderEmulator] = _Slot()
    scanner: _Slot[ScannerEmulator] = _Slot()
    printer: _Slot[PrinterEmulator] = _Slot()
    a4printer: _Slot[FolderA4Printer] = _Slot()
    camera: _Slot[EmulatedScenes] = _Slot()


class Devices(_ByName):
    """Running drivers by device name; ``None`` where a device is configured ``none`` or did not start.

    The device classes the kiosk's journeys use have typed attributes; any registered
    class is reachable with ``get(name)``.
    """

    idreader: _Slot[IdReader] = _Slot()
    scanner: _Slot[Scanner] = _Slot()
    printer: _Slot[ThermalPrinter] = _Slot()
    a4printer: _Slot[A4Printer] = _Slot()
    camera: _Slot[Camera] = _Slot()

    def __init__(self) -> None:
        super().__init__()
        self.emulators = Emulators()

    def running(self) -> Mapping[str, object]:
        """The drivers started so far (read-only), for a device that needs another one."""
        return MappingProxyType(self._items)

    def add(self, name: str, driver: object | None, emulator: object | None = None) -> None:
        if driver is not None:
            self._items[name] = driver
        if emulator is not None:
            self.emulators._items[name] = emulator


class Sections(Protocol):
    """The ``[devices]`` table of the config (``kiosk.config``'s model, assembled from the registry)."""

    def section(self, name: str) -> Any: ...


class DeviceManager:
    """Starts and stops every configured device; ``devices`` holds the handles journeys use."""

    def __init__(self, sections: Sections, publish: Publish, work_dir: str | Path) -> None:
        self.sections = sections
        self.publish = publish
        self.work_dir = Path(work_dir)
        self.devices = Devices()
        self._closers: list[Callable[[], None]] = []
        self._stopped = threading.Event()
        self._closing = threading.Lock()

    def start(self, only: Collection[str] | None = None) -> Devices:
        """Open every device (``only``: those and what they need); one broken backend can't stop the others."""
        for spec in registry.start_order(only):
            if self._stopped.is_set():  # a stop came while earlier devices opened: open no more
                break
            section = self.sections.section(spec.name)
            if section.backend == "none":
                self.publish(DeviceStatusChanged(spec.name, DeviceState.OFFLINE, detail="not configured"))
                continue
            ctx = StartContext(spec.name, self.publish, self.work_dir, self.devices.running(), self._closers)
            try:
                started = spec.start(section, ctx)
            except Exception as exc:  # a device must never stop the kiosk from starting
                log.exception("device %s could not be started", spec.name)
                self.publish(DeviceStatusChanged(spec.name, DeviceState.HARDWARE_ERROR,
                                                 detail=f"start failed: {exc}"))
                continue
            self.devices.add(spec.name, started.driver, started.emulator)
            if self._stopped.is_set():  # it finished opening after the stop: close what it opened
                self._close_opened()
        return self.devices

    def stop(self) -> None:
        """Close what is open, without waiting for a device still being opened on ``start``'s thread
        (a camera's start takes seconds of imports, and a stop must not): that one closes itself
        when its start returns, and no device after it is opened."""
        self._stopped.set()
        self._close_opened()

    def _close_opened(self) -> None:
        with self._closing:  # stop() and a start finishing after it may both get here
            taken = list(self._closers)
            del self._closers[:len(taken)]  # closers a start appends meanwhile stay for its own call
        for close in reversed(taken):
            try:
                close()
            except Exception:
                log.exception("stopping %r failed", close)
