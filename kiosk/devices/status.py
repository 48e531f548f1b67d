"""What the attract screen shows, as a plain thread-safe model (no Kivy).

Device threads and the platform poller update it through the event bus; the UI reads
``snapshot()`` on the main thread. Keeping it headless lets tests check the attract
screen's content without a display, and lets the poll run without touching the UI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload

from drivers import registry
from drivers.base import DeviceState, DeviceStatusChanged
from kiosk.bus import AnnouncementsUpdated, EventBus, PlatformReachability
from kiosk.i18n import N_

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
STATE_LABELS = {
    "online": N_("在线"),
    "offline": N_("离线"),
    "busy": N_("忙碌"),
    "hardware_error": N_("故障"),
    "user_error": N_("需处理"),
    "unknown": N_("未知"),
}
MAX_ANNOUNCEMENTS = 20
MAX_TEXT = 500


@dataclass(frozen=True)
class Announcement:
    """Chinese title/body plus optional English twins (the contract's ``Bilingual``)."""

    title: str
    body: str = ""
    title_en: str = ""
    body_en: str = ""

    def in_language(self, lang: str) -> tuple[str, str]:
        if lang == "en" and self.title_en:
            return self.title_en, self.body_en
        return self.title, self.body


@dataclass(frozen=True)
class StatusSnapshot:
    devices: dict[str, str]
    """Device name -> state value (DeviceState values or "unknown")."""
    platform_reachable: bool | None
    """None until the first poll finished."""
    platform_detail: str
    announcements: tuple[Announcement, ...] = field(default_factory=tuple)
    version: int = 0


AnnouncementsSource = Callable[[], Sequence[dict[str, str]]]
"""Returns the platform's announcements (dicts with "title" and optional "body"); raises on failure."""


class StatusModel:
    """Device states, platform reachability and announcements; updated from any thread."""

    def __init__(self, devices: Iterable[str] = DEVICE_NAMES, initial: str = "unknown") -> None:
        self._lock = threading.Lock()
        self._devices = {name: initial for name in devices}
        self._reachable: bool | None = None
        self._detail = ""
        self._announcements: tuple[Announcement, ...] = ()
        self._version = 0
        self._listeners: list[Callable[[], None]] = []

    def attach(self, bus: EventBus) -> None:
        """Follow device, reachability and announcement events (synchronously: the model is cheap)."""
        bus.subscribe(self.handle, DeviceStatusChanged, PlatformReachability, AnnouncementsUpdated, sync=True)

    def on_change(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs (in the updating thread) after every change."""
        self._listeners.append(listener)

    def handle(self, event: object) -> None:
        if isinstance(event, DeviceStatusChanged):
            self.set_device(event.device, event.state)
        elif isinstance(event, PlatformReachability):
            self.set_platform(event.reachable, event.detail)
        elif isinstance(event, AnnouncementsUpdated):
            self.set_announcements(event.items)

    def set_device(self, name: str, state: DeviceState | str) -> None:
        value = str(state.value if isinstance(state, DeviceState) else state)
        if value not in STATE_LABELS:
            log.warning("device %s reported unknown state %r", name, value)
            value = "unknown"
        with self._lock:
            if self._devices.get(name) == value:
                return
            self._devices[name] = value
            self._version += 1
        self._notify()

    def set_platform(self, reachable: bool, detail: str = "") -> None:
        with self._lock:
            if self._reachable == reachable and self._detail == detail:
                return
            self._reachable, self._detail = reachable, detail
            self._version += 1
        self._notify()

    def set_announcements(self, items: Iterable[object]) -> None:
        """Accept platform data defensively: malformed entries are skipped, long text is cut."""
        parsed = []
        for item in items:
            ann = item if isinstance(item, Announcement) else _parse_announcement(item)
            if ann is not None:
                parsed.append(ann)
            if len(parsed) >= MAX_ANNOUNCEMENTS:
                break
        new = tuple(parsed[:MAX_ANNOUNCEMENTS])
        with self._lock:
            if new == self._announcements:
                return
            self._announcements = new
            self._version += 1
        self._notify()

    def snapshot(self) -> StatusSnapshot:
        with self._lock:
            return StatusSnapshot(dict(self._devices), self._reachable, self._detail,
                                  self._announcements, self._version)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("status listener failed")


class PlatformPoller:
    """Polls the platform's announcements in a worker thread and publishes the outcome.

    The source is pluggable (a PlatformClient's ``announcements`` method, or anything
    callable) so the UI never sees the network and tests can use the reference platform.
    """

    def __init__(self, source: AnnouncementsSource, bus: EventBus, interval_s: float = 60.0,
                 retry_s: float = 10.0) -> None:
        self._source = source
        self._bus = bus
        self._interval = interval_s
        self._retry = retry_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> bool:
        try:
            items = self._source()
        except Exception as exc:  # network, HTTP and contract errors all mean "unreachable" here
            log.warning("platform poll failed: %s", exc)
            self._bus.publish(PlatformReachability(False, type(exc).__name__))
            return False
        items = getattr(items, "announcements", items)  # an AnnouncementList or a plain list
        try:
            normalised = tuple(a for a in (_parse_announcement(i) for i in items) if a is not None)
        except TypeError as exc:
            log.warning("platform sent announcements in an unexpected shape: %s", exc)
            self._bus.publish(PlatformReachability(True, "bad announcements"))
            return True
        self._bus.publish(PlatformReachability(True))
        self._bus.publish(AnnouncementsUpdated(normalised))
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="platform-poll", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            ok = self.poll_once()
            self._stop.wait(self._interval if ok else self._retry)


def _text(value: object) -> tuple[str, str]:
    """(Chinese, English) from a plain string, a {"zh_CN", "en"} dict or a Bilingual model."""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, dict):
        zh, en = value.get("zh_CN", ""), value.get("en", "")
    else:
        zh, en = getattr(value, "zh_CN", ""), getattr(value, "en", "")
    return (zh if isinstance(zh, str) else ""), (en if isinstance(en, str) else "")


def _parse_announcement(item: object) -> Announcement | None:
    """Accept dicts or contract models; skip anything without a usable title; cut long text."""
    if isinstance(item, Announcement):
        return item
    if isinstance(item, dict):
        title_raw, body_raw = item.get("title"), item.get("body", item.get("text", ""))
    elif hasattr(item, "title"):
        title_raw, body_raw = item.title, getattr(item, "text", getattr(item, "body", ""))
    else:
        return None
    title, title_en = _text(title_raw)
    body, body_en = _text(body_raw) if body_raw is not None else ("", "")
    if not title.strip():
        return None
    return Announcement(title.strip()[:MAX_TEXT], body[:MAX_TEXT], title_en.strip()[:MAX_TEXT], body_en[:MAX_TEXT])
