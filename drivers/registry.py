"""The device registry: every device class is one ``DeviceSpec``, found by name.

Each driver package has a ``spec`` module that builds its spec and calls ``register``
on import; ``specs()`` imports every ``drivers.<package>.spec`` it finds (the way
pyserial finds a URL handler by name), so adding a device class means adding one
package and nothing in the kiosk. The kiosk reads everything per device from here:
the ``[devices.<name>]`` config section, how to start it (and its emulator), its label
on the technician pages and its ``kiosk doctor`` check.

A spec module must stay cheap to import (``kiosk config check`` imports them all):
serial, OpenCV and evdev are imported inside ``start`` and the doctor's ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import pkgutil
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from drivers.base import Event, Publish

log = logging.getLogger(__name__)

def N_(msgid: str) -> str:
    """Marks a label as a message id of the kiosk's catalogue; drivers never translate, the kiosk does."""
    return msgid


class SectionModel(BaseModel):
    """Base of a device's ``[devices.<name>]`` section; ``backend = "none"`` always means "not fitted"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: str = "none"

    def device_nodes(self) -> tuple[str, ...]:
        """Device files this configuration opens (``kiosk selfcheck`` checks that they exist)."""
        return ()


class Stoppable(Protocol):
    def start(self) -> object: ...

    def stop(self) -> None: ...


class PortEmulator(Stoppable, Protocol):
    """An emulator the real driver opens like its device: ``port`` is its pseudo-terminal."""

    @property
    def port(self) -> str: ...


S = TypeVar("S", bound=Stoppable)
P = TypeVar("P")


class StartContext:
    """What a spec's ``start`` gets besides its section: where to publish, where to keep files,
    the drivers started before it, and the list of what to stop when the kiosk stops."""

    def __init__(self, name: str, publish: Publish, work_dir: Path, running: Mapping[str, object],
                 closers: list[Callable[[], None]]) -> None:
        self.name = name
        self.publish = publish
        self.work_dir = work_dir
        self.running = running
        self._closers = closers

    def started(self, obj: S) -> S:
        """``obj.start()``, and ``obj.stop()`` when the kiosk stops (even if a later step of this start fails)."""
        obj.start()
        self._closers.append(obj.stop)
        return obj

    def on_stop(self, close: Callable[[], None]) -> None:
        self._closers.append(close)

    def on_port(self, section: SectionModel, port: P, emulator: Callable[[], PortEmulator],
                driver: Callable[[P | str], Stoppable]) -> Started:
        """``driver(port)``, started; with the ``emulator`` backend the emulator is started first
        and the driver gets the emulator's port instead, so the emulator meets the real driver code."""
        emulated = self.started(emulator()) if section.backend == "emulator" else None
        return Started(self.started(driver(emulated.port if emulated is not None else port)), emulated)


@dataclass(frozen=True)
class Started:
    """A spec's ``start`` result: the driver the journeys use (None: not usable, already
    reported) and, with the ``emulator`` backend, the emulator the demo and tests drive."""

    driver: object | None
    emulator: object | None = None


@dataclass(frozen=True)
class DoctorReport:
    """What ``kiosk doctor NAME`` prints: ``data`` with ``--json``, else ``lines``; ``errors`` on stderr."""

    exit_code: int
    data: dict[str, Any] = field(default_factory=dict)
    lines: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def state_report(exit_code: int, state: str, media: str | None = None, last_error: str = "",
                 lines: tuple[str, ...] = (), **extra: Any) -> DoctorReport:
    """A per-device doctor's report in the words of ``kiosk doctor all``: the device's state
    (a ``DeviceState`` value), its media state and its last error, plus what else it found."""
    data = {"ok": exit_code == 0, "state": state, "media": media, "last_error": last_error, **extra}
    head = f"state {state}" + (f", media {media}" if media else "") + (f": {last_error}" if last_error else "")
    return DoctorReport(exit_code, data, (head, *lines))


def same_event(event: Event) -> Event:
    return event


@dataclass(frozen=True)
class DoctorRequest:
    args: argparse.Namespace
    section: Callable[[], SectionModel | None]
    """The configured section, loaded only when asked; None when the file is unusable (already reported)."""
    interpret: Callable[[Event], Event] = same_event
    """The kiosk's reading of an event (what a scanned code means), as the running kiosk applies it."""


@dataclass(frozen=True)
class Doctor:
    """A technician's check of one device class through its real driver (``kiosk doctor NAME``)."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[DoctorRequest], DoctorReport]


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    """The config section (``[devices.<name>]``) and the device name on events and in the heartbeat."""
    label: str
    """Chinese message id (``N_``) the kiosk translates for the attract and technician pages."""
    section: type[SectionModel]
    start: Callable[[Any, StartContext], Started]
    """Builds and starts the real driver for a section whose backend is not "none"; with
    "emulator" it starts the emulator first and points the real driver at it."""
    order: int = 100
    """Listing order on screens and in reports."""
    after: tuple[str, ...] = ()
    """Devices started before this one (the camera scanner needs the camera)."""
    doctor: Doctor | None = None
    """None: ``kiosk doctor NAME`` starts it as the kiosk would and reports its state."""
    paper: bool = False
    """Its media status is the paper level the fleet dashboard shows."""


_lock = threading.RLock()
_specs: dict[str, DeviceSpec] = {}
_discovered = False


RESERVED = frozenset({"all"})
"""Not a device name: ``kiosk doctor all`` checks every device."""


def register(spec: DeviceSpec) -> DeviceSpec:
    """Add ``spec``; registering the same spec again is harmless, another spec under a taken name is an error.

    The name is a config key, an attribute of the kiosk's device holder and a CLI word,
    so it must be a Python identifier.
    """
    if not spec.name.isidentifier() or spec.name in RESERVED:
        raise ValueError(f"{spec.name!r} cannot name a device (an identifier other than {sorted(RESERVED)})")
    with _lock:
        known = _specs.get(spec.name)
        if known is not None and known is not spec:
            raise ValueError(f"device {spec.name!r} is already registered by {known.start.__module__}")
        _specs[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    with _lock:
        _specs.pop(name, None)


def _discover() -> None:
    """Import ``drivers.<package>.spec`` for every driver package, once."""
    global _discovered
    with _lock:
        if _discovered:
            return
        _discovered = True
        import drivers

        for info in pkgutil.iter_modules(drivers.__path__):
            if info.ispkg and importlib.util.find_spec(f"drivers.{info.name}.spec") is not None:
                importlib.import_module(f"drivers.{info.name}.spec")


def specs() -> tuple[DeviceSpec, ...]:
    """Every registered device class in listing order."""
    _discover()
    with _lock:
        return tuple(sorted(_specs.values(), key=lambda s: (s.order, s.name)))


def names() -> tuple[str, ...]:
    return tuple(s.name for s in specs())


def get(name: str) -> DeviceSpec:
    """The spec called ``name``; KeyError for a device class nobody registered."""
    _discover()
    with _lock:
        return _specs[name]


def start_order(only: Collection[str] | None = None) -> tuple[DeviceSpec, ...]:
    """Specs in an order that starts each after the ones it names in ``after``.

    ``only`` limits it to those devices and what they need; an ``after`` naming a device
    nobody registered is ignored (that device's start reports what it lacks).
    """
    listed = {s.name: s for s in specs()}
    wanted = set(listed) if only is None else set()
    todo = [n for n in (only or ()) if n in listed]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(n for n in listed[name].after if n in listed)
    ordered: list[DeviceSpec] = []
    placed: set[str] = set()

    def place(spec: DeviceSpec, path: tuple[str, ...]) -> None:
        if spec.name in placed:
            return
        if spec.name in path:
            raise ValueError(f"devices start after each other in a circle: {' -> '.join((*path, spec.name))}")
        for dep in spec.after:
            if dep in wanted:
                place(listed[dep], (*path, spec.name))
        placed.add(spec.name)
        ordered.append(spec)

    for spec in listed.values():
        if spec.name in wanted:
            place(spec, ())
    return tuple(ordered)
