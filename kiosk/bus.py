"""The event bus: device threads, network workers and journeys talk through it.

Publishing never blocks on a subscriber, because the publisher is often a serial
reader thread that must get back to its port. Each subscriber chooses how it is
called: synchronously in the publisher's thread (cheap, thread-safe handlers such as
the status model) or on the bus's own dispatcher thread. The Kivy app registers a
synchronous subscriber that only does ``Clock.schedule_once`` so events reach the UI
on the main thread; the bus itself knows nothing about Kivy.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Subscription:
    handler: Handler
    kinds: tuple[type, ...]
    sync: bool

    def wants(self, event: object) -> bool:
        return not self.kinds or isinstance(event, self.kinds)


@dataclass(frozen=True)
class PlatformReachability:
    """Network/platform status as seen by the background poll."""

    reachable: bool
    detail: str = ""


@dataclass(frozen=True)
class AnnouncementsUpdated:
    """The platform's current announcements (kiosk.devices.status.Announcement or dicts), newest first."""

    items: tuple[object, ...]


@dataclass(frozen=True)
class VisitEnded:
    """A citizen's visit ended; ``reason`` is the controller's ("timeout", "goodbye confirmed", ...)."""

    reason: str


@dataclass(frozen=True)
class PaymentsPaused:
    """New payments are refused (``paused``) or allowed again: an order could not be settled with the platform."""

    paused: bool


class EventBus:
    """Thread-safe publish/subscribe; a failing handler is logged and never stops the others."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def subscribe(self, handler: Handler, *kinds: type, sync: bool = False) -> Subscription:
        """Call ``handler(event)`` for events of ``kinds`` (all when empty).

        ``sync=True`` runs it in the publishing thread; otherwise on the dispatcher thread,
        in publish order.
        """
        sub = Subscription(handler, tuple(kinds), sync)
        with self._lock:
            self._subs.append(sub)
            if not sync and self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._dispatch_loop, name="event-bus", daemon=True)
                self._thread.start()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def publish(self, event: object) -> None:
        """Deliver ``event``; safe from any thread. Usable directly as a driver's ``publish``."""
        with self._lock:
            subs = list(self._subs)
            closed = self._closed
        for sub in subs:
            if sub.sync and sub.wants(event):
                self._call(sub, event)
        if not closed and any(not s.sync for s in subs):
            self._queue.put(event)

    def close(self, timeout: float = 2.0) -> None:
        """Stop the dispatcher after it has delivered what was already published."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout)

    def _dispatch_loop(self) -> None:
        while True:
            event = self._queue.get()
            if event is _STOP:
                return
            with self._lock:
                subs = [s for s in self._subs if not s.sync]
            for sub in subs:
                if sub.wants(event):
                    self._call(sub, event)

    @staticmethod
    def _call(sub: Subscription, event: object) -> None:
        try:
            sub.handler(event)
        except Exception:  # a broken subscriber must not take down a device thread
            log.exception("event handler %r failed on %s", sub.handler, type(event).__name__)


_STOP = object()
