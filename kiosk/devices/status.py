"""What the attract screen shows, as a plain thread-safe model (no Kivy).

The device states are the kiosk's device board (``kiosk.devices.board``); the platform
poller adds reachability and announcements through the event bus. The UI reads
``snapshot()`` on the main thread. Keeping it headless lets tests check the attract
screen's content without a display, and lets the poll run without touching the UI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from drivers.base import DeviceState, DeviceStatusChanged, MediaStatus
from kiosk.bus import AnnouncementsUpdated, EventBus, PlatformReachability
from kiosk.devices.board import DeviceBoard
from kiosk.periodic import Periodic

log = logging.getLogger(__name__)


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
    """The attract screen's status: the device board's states, platform reachability and announcements.

    The device states are the board's (``board``: the kiosk's one ``DeviceBoard``, a
    fresh one when not given); this model adds what the platform poller learns.
    Updated from any thread.
    """

    def __init__(self, board: DeviceBoard | None = None) -> None:
        self.board = board if board is not None else DeviceBoard()
        self._lock = threading.Lock()
        self._reachable: bool | None = None
        self._detail = ""
        self._announcements: tuple[Announcement, ...] = ()
        self._version = 0
        self._listeners: list[Callable[[], None]] = []
        self.board.on_change(self._notify)

    def attach(self, bus: EventBus) -> None:
        """Follow device (into the board), reachability and announcement events, synchronously: all cheap."""
        self.board.attach(bus)
        bus.subscribe(self.handle, PlatformReachability, AnnouncementsUpdated, sync=True)

    def on_change(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs (in the updating thread) after every change, the board's included."""
        self._listeners.append(listener)

    def handle(self, event: object) -> None:
        if isinstance(event, DeviceStatusChanged):
            self.board.handle(event)
        elif isinstance(event, PlatformReachability):
            self.set_platform(event.reachable, event.detail)
        elif isinstance(event, AnnouncementsUpdated):
            self.set_announcements(event.items)

    def set_device(self, name: str, state: DeviceState | str, media: MediaStatus | str | None = None,
                   detail: str = "") -> None:
        self.board.set_device(name, state, media, detail)

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
        devices, board_version = self.board.states(), self.board.version
        with self._lock:
            return StatusSnapshot(devices, self._reachable, self._detail, self._announcements,
                                  self._version + board_version)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("status listener failed")


class PlatformPoller(Periodic):
    """Polls the platform's announcements in a worker thread and publishes the outcome.

    The source is pluggable (a PlatformClient's ``announcements`` method, or anything
    callable) so the UI never sees the network and tests can use the reference platform.
    """

    thread_name = "platform-poll"

    def __init__(self, source: AnnouncementsSource, bus: EventBus, interval_s: float = 60.0,
                 retry_s: float = 10.0) -> None:
        super().__init__(interval_s, retry_s)
        self._source = source
        self._bus = bus

    def step(self) -> bool:
        return self.poll_once()

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
