"""Prometheus metrics on a local port, so a fleet's existing Prometheus can scrape kiosks.

Each series is set by the code path it describes, never by a guess: the platform gauge
by the heartbeat's and the announcement poll's outcomes, the last-sync time by a
heartbeat or an outbox item the platform accepted, visits by the controller's end of a
visit, errors by the ERROR records the kiosk logs, payments paused by the order
settler's own flag, the device and paper gauges from the device board the attract
screen shows, read at each scrape. The alert rules (systemd/monitoring/) and the fleet
dashboard use these names; tests/kiosk/ops/test_monitoring.py checks that they only
name series defined here. A private registry keeps tests and the demo from colliding
with anything else in-process.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Info, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from drivers.base import DeviceState, MediaStatus
from kiosk.bus import EventBus, PaymentsPaused, PlatformReachability, VisitEnded
from kiosk.devices.board import DeviceBoard
from kiosk.ops.image import ImageState

log = logging.getLogger(__name__)

VISIT_OUTCOMES = {
    "goodbye confirmed": "completed",
    "goodbye shown": "completed",
    "citizen ended the visit": "ended_by_citizen",
    "journey stack emptied": "ended_by_citizen",
    "timeout": "timeout",
}
"""The controller's reasons for ending a visit -> a bounded ``outcome`` label ("other" for the rest)."""


def visit_outcome(reason: str) -> str:
    return VISIT_OUTCOMES.get(reason, "other")


def component(logger_name: str) -> str:
    """A bounded label for a logger: "services.outbox" for kiosk.services.outbox.*, "drivers.printer" ..."""
    parts = logger_name.split(".")
    if parts[0] == "kiosk":
        parts = parts[1:]
    return ".".join(parts[:2]) or "root"


class DeviceGauges(Collector):
    """``kiosk_device_state``, ``kiosk_device_media`` and ``kiosk_paper_state`` from the board, as scraped.

    Every device on the board has its state series from the first scrape (all 0 while it
    is "unknown"); the media series appear once a device has reported a media status.
    """

    def __init__(self, board: DeviceBoard) -> None:
        self.board = board

    def collect(self) -> Iterator[Metric]:
        state = GaugeMetricFamily("kiosk_device_state", "1 for the device's current state, 0 otherwise",
                                  labels=["device", "state"])
        media = GaugeMetricFamily("kiosk_device_media", "1 for the device's current media status",
                                  labels=["device", "media"])
        paper = GaugeMetricFamily("kiosk_paper_state", "1 for the receipt paper's current level (unknown until read)",
                                  labels=["state"])
        for reading in self.board.readings():
            for value in DeviceState:
                state.add_metric([reading.name, value.value], 1 if value.value == reading.state else 0)
            if reading.media is not None:
                for level in MediaStatus:
                    media.add_metric([reading.name, level.value], 1 if level.value == reading.media else 0)
        level_now = self.board.paper() or MediaStatus.UNKNOWN.value
        for level in MediaStatus:
            paper.add_metric([level.value], 1 if level.value == level_now else 0)
        yield state
        yield media
        yield paper


class ErrorCounter(logging.Handler):
    """Counts ERROR (and worse) records by component into ``kiosk_errors_total``."""

    def __init__(self, counter: Counter) -> None:
        super().__init__(logging.ERROR)
        self.counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        self.counter.labels(component(record.name)).inc()


class KioskMetrics:
    """The kiosk's series in a private registry; the device series are ``board``'s."""

    def __init__(self, version: str, kiosk_id: str, board: DeviceBoard, image: ImageState | None = None) -> None:
        self.registry = r = CollectorRegistry()
        self._started = time.time()
        Info("kiosk", "Kiosk build and identity", registry=r).info({"version": version, "kiosk_id": kiosk_id})
        r.register(DeviceGauges(board))
        self.journal_depth = Gauge("kiosk_journal_depth", "Items waiting for the platform", registry=r)
        self.journal_unreadable = Gauge("kiosk_journal_unreadable",
                                        "Journal items that cannot be decrypted (kept, not sent)", registry=r)
        self.journal_set_aside = Gauge("kiosk_journal_set_aside",
                                       "Journal items set aside for good (refused or unreadable): alert when above 0",
                                       registry=r)
        self.oldest_unsent = Gauge("kiosk_oldest_unsent_age_seconds",
                                   "Age of the oldest journal item still waiting to be sent (0 when none)", registry=r)
        self.platform_up = Gauge("kiosk_platform_reachable", "1 when the last platform call succeeded", registry=r)
        self.last_sync = Gauge("kiosk_last_sync_timestamp_seconds",
                               "Unix time the platform last accepted a heartbeat or a journal item (0: never)",
                               registry=r)
        self.payments_paused = Gauge("kiosk_payments_paused",
                                     "1 while new payments are refused because an order could not be settled",
                                     registry=r)
        self.free_disk = Gauge("kiosk_free_disk_bytes", "Free bytes on the state folder's file system", registry=r)
        self.visits = Counter("kiosk_visits", "Citizen visits by outcome", ["outcome"], registry=r)
        self.errors = Counter("kiosk_errors", "ERROR log records by component", ["component"], registry=r)
        self.uptime = Gauge("kiosk_uptime_seconds", "Seconds since the kiosk process started", registry=r)
        self.uptime.set_function(lambda: time.time() - self._started)
        self.frame_ms = Gauge("kiosk_longest_frame_ms", "Longest UI frame in the last minute", registry=r)
        image = image or ImageState("", "", False, "")
        Info("kiosk_image", "The OS image booted and its boot entry", registry=r).info(
            {"version": image.version, "slot": image.slot})
        self.rolled_back = Gauge("kiosk_image_rolled_back",
                                 "1 when a newer image was tried and the kiosk fell back to this one", registry=r)
        self.rolled_back.set(int(image.rolled_back))
        for outcome in [*sorted(set(VISIT_OUTCOMES.values())), "other"]:
            self.visits.labels(outcome)  # every outcome from 0, so rate() sees the first visit
        self._error_handler: ErrorCounter | None = None
        self._subscriptions: list = []

    # -- wiring -----------------------------------------------------------------------------
    def attach(self, bus: EventBus) -> None:
        """Follow the events the series describe: platform reachability, ended visits, paused payments."""
        self._subscriptions.append(bus.subscribe(self.on_event, PlatformReachability, VisitEnded, PaymentsPaused,
                                                 sync=True))

    def on_event(self, event: object) -> None:
        if isinstance(event, PlatformReachability):
            self.platform_call(event.reachable, synced=False)
        elif isinstance(event, VisitEnded):
            self.visits.labels(visit_outcome(event.reason)).inc()
        elif isinstance(event, PaymentsPaused):
            self.payments_paused.set(int(event.paused))

    def platform_call(self, ok: bool, *, synced: bool = True) -> None:
        """The outcome of a call to the platform; ``synced``: it accepted something of ours (heartbeat, item)."""
        self.platform_up.set(int(ok))
        if ok and synced:
            self.last_sync.set(time.time())

    def watch_journal(self, depth: Callable[[], int], unreadable: Callable[[], int],
                      oldest_created: Callable[[], float | None]) -> None:
        self.journal_depth.set_function(depth)
        self.journal_unreadable.set_function(unreadable)

        def age() -> float:
            created = oldest_created()
            return max(0.0, time.time() - created) if created is not None else 0.0

        self.oldest_unsent.set_function(age)

    def watch_disk(self, path: Path) -> None:
        def free() -> float:
            probe = path
            while not probe.exists() and probe != probe.parent:
                probe = probe.parent
            return float(shutil.disk_usage(probe).free)

        self.free_disk.set_function(free)

    def count_errors(self, logger: logging.Logger | None = None) -> None:
        """Count the ERROR records reaching ``logger`` (the root logger: everything the kiosk logs)."""
        self._error_handler = ErrorCounter(self.errors)
        (logger or logging.getLogger()).addHandler(self._error_handler)

    def close(self, logger: logging.Logger | None = None) -> None:
        if self._error_handler is not None:
            (logger or logging.getLogger()).removeHandler(self._error_handler)
            self._error_handler = None

    def serve(self, host: str, port: int) -> None:
        """Start the scrape endpoint in a daemon thread; a taken port is logged, not fatal."""
        try:
            start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            log.error("metrics endpoint %s:%d not started: %s", host, port, exc.strerror)
