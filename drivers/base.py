"""The device model every driver shares (after CEN/XFS and XFS4IoT).

Each device reports exactly one ``DeviceState`` plus, where it applies, a
``MediaStatus``; every change and every reading leaves the driver as a typed event
through a ``publish`` callable handed in by the kiosk's device manager. Drivers never
know who listens (the UI, a journey, the heartbeat) and never import Kivy.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


class DeviceState(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"  # absent, unplugged or silent
    BUSY = "busy"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"  # paper out, cover open, card jammed: someone on site can fix it


class MediaStatus(enum.StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Event:
    """Base of everything a driver publishes; ``device`` is the configured name."""

    device: str
    at: float = field(default_factory=time.monotonic, kw_only=True)


@dataclass(frozen=True)
class DeviceStatusChanged(Event):
    state: DeviceState
    media: MediaStatus | None = None
    detail: str = ""


Publish = Callable[[Event], None]


def discard(event: Event) -> None:
    """A ``publish`` for callers that only want return values (doctor, tests)."""


class Backoff:
    """Exponential backoff with a ceiling, reset after a success.

    Reconnect loops use it so a pulled cable costs a few polls a minute, not a busy loop.
    """

    def __init__(self, first: float = 0.2, factor: float = 2.0, ceiling: float = 10.0) -> None:
        self.first, self.factor, self.ceiling = first, factor, ceiling
        self._next = first

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * self.factor, self.ceiling)
        return delay

    def reset(self) -> None:
        self._next = self.first


class StatusTracker:
    """Holds a device's current state and publishes only real changes.

    Thread-safe: reader threads and the job thread of a printer both report through it.
    """

    def __init__(self, device: str, publish: Publish, media: MediaStatus | None = None) -> None:
        self.device = device
        self._publish = publish
        self._lock = threading.Lock()
        self.state = DeviceState.OFFLINE
        self.media = media
        self.detail = ""

    def set(self, state: DeviceState, media: MediaStatus | None = None, detail: str = "") -> None:
        with self._lock:
            new_media = media if media is not None else self.media
            if (state, new_media, detail) == (self.state, self.media, self.detail):
                return
            self.state, self.media, self.detail = state, new_media, detail
        log.info("device %s: %s%s%s", self.device, state.value,
                 f" media={new_media.value}" if new_media else "", f" ({detail})" if detail else "")
        self._publish(DeviceStatusChanged(self.device, state, new_media, detail))

    def snapshot(self) -> dict[str, str | None]:
        with self._lock:
            return {
                "state": self.state.value,
                "media": self.media.value if self.media else None,
                "detail": self.detail,
            }
