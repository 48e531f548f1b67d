"""The kiosk's one model of device state: every device's latest state, media and detail.

The attract screen, the journeys' availability checks, the technician's devices page,
the heartbeat and the Prometheus metrics all read this board, so a hall manager's
dashboard says "printer: paper out" exactly when the kiosk's own screen does. Reader
threads update it through the event bus (synchronously: it is cheap and thread-safe);
readers on any thread get copies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from drivers import registry
from drivers.base import DeviceState, DeviceStatusChanged, MediaStatus
from kiosk.bus import EventBus
from kiosk.i18n import N_
from kiosk.privacy import scrub

log = logging.getLogger(__name__)


class _DeviceNames(Sequence[str]):
    """The registered device classes' names in listing order, read from the registry on each use."""

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return registry.names()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(registry.names())

    def __len__(self) -> int:
        return len(registry.names())

    def __repr__(self) -> str:
        return repr(registry.names())


class _DeviceLabels(Mapping[str, str]):
    """Device name -> its Chinese label (a message id: show it through ``_``), from the registry."""

    def __getitem__(self, name: str) -> str:
        return registry.get(name).label

    def __iter__(self) -> Iterator[str]:
        return iter(registry.names())

    def __len__(self) -> int:
        return len(registry.names())


DEVICE_NAMES: Sequence[str] = _DeviceNames()
DEVICE_LABELS: Mapping[str, str] = _DeviceLabels()
UNKNOWN = "unknown"
"""The state of a device that has not reported yet (or reported something no ``DeviceState`` names)."""
STATE_LABELS = {
    "online": N_("在线"),
    "offline": N_("离线"),
    "busy": N_("忙碌"),
    "hardware_error": N_("故障"),
    "user_error": N_("需处理"),
    UNKNOWN: N_("未知"),
}
ERROR_STATES = frozenset({DeviceState.HARDWARE_ERROR.value, DeviceState.USER_ERROR.value})


@dataclass(frozen=True)
class DeviceReading:
    """One device as last reported: ``state`` is a ``DeviceState`` value or "unknown"."""

    name: str
    state: str = UNKNOWN
    media: str | None = None
    """A ``MediaStatus`` value once the device has reported one (paper, for printers)."""
    detail: str = ""
    """The driver's note, scrubbed of anything that looks personal (it goes to the platform)."""


class DeviceBoard:
    """Every device's latest reading and the last error any of them reported; updated from any thread.

    Every registered device class is on it from the start ("unknown" until it reports),
    so the screen and the fleet dashboard show a device that never said anything as
    well as one that did.
    """

    def __init__(self, devices: Iterable[str] = DEVICE_NAMES) -> None:
        self._lock = threading.Lock()
        self._readings = {name: DeviceReading(name) for name in devices}
        self._last_error: str | None = None
        self._version = 0
        self._listeners: list[Callable[[], None]] = []

    def attach(self, bus: EventBus) -> None:
        """Follow the devices' status events (synchronously: the board is cheap)."""
        bus.subscribe(self.handle, DeviceStatusChanged, sync=True)

    def on_change(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs (in the updating thread) after every change of a reading."""
        self._listeners.append(listener)

    def handle(self, event: object) -> None:
        if isinstance(event, DeviceStatusChanged):
            self.set_device(event.device, event.state, event.media, event.detail)

    def set_device(self, name: str, state: DeviceState | str, media: MediaStatus | str | None = None,
                   detail: str = "") -> None:
        value = str(state)
        if value not in STATE_LABELS:
            log.warning("device %s reported unknown state %r", name, value)
            value = UNKNOWN
        reading = DeviceReading(name, value, str(media) if media is not None else None, scrub(detail))
        with self._lock:
            if value in ERROR_STATES:
                self._last_error = f"{name}: {value} {reading.detail}".strip()
            if self._readings.get(name) == reading:
                return
            self._readings[name] = reading
            self._version += 1
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("device board listener failed")

    # -- reading -------------------------------------------------------------------------------
    def readings(self) -> list[DeviceReading]:
        """Every device's reading, in the order the devices were first seen (the registry's listing order)."""
        with self._lock:
            return list(self._readings.values())

    def reading(self, name: str) -> DeviceReading:
        """``name``'s reading ("unknown" for a device the board has not heard of)."""
        with self._lock:
            return self._readings.get(name) or DeviceReading(name)

    def states(self) -> dict[str, str]:
        """Device name -> state value, in the order the devices were first seen."""
        with self._lock:
            return {name: r.state for name, r in self._readings.items()}

    def media(self, device: str) -> str | None:
        return self.reading(device).media

    def paper(self) -> str | None:
        """The receipt paper level: the media of the device class whose spec says it holds the paper."""
        return next((self.media(s.name) for s in registry.specs() if s.paper), None)

    @property
    def last_error(self) -> str | None:
        """"<device>: <state> <detail>" of the last error state any device reported."""
        with self._lock:
            return self._last_error

    @property
    def version(self) -> int:
        """Counts the changes of readings, so a reader can tell whether anything moved."""
        with self._lock:
            return self._version
