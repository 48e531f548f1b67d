"""Prometheus metrics on a local port, so a fleet's existing Prometheus can scrape kiosks.

Gauges are fed from the same device events the UI sees (``on_event``), which is what
makes "paper out on the printer" show up as paper out in the fleet dashboard too. A
private registry keeps tests and the demo from colliding with anything else in-process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Info, start_http_server

from drivers.base import DeviceState, DeviceStatusChanged, Event, MediaStatus
from kiosk.devices.status import DEVICE_NAMES

log = logging.getLogger(__name__)


class KioskMetrics:
    """``devices``: the series of every registered device class exist from the first scrape (all 0)."""

    def __init__(self, version: str, kiosk_id: str, devices: Iterable[str] = DEVICE_NAMES) -> None:
        self.registry = CollectorRegistry()
        self._started = time.time()
        info = Info("kiosk", "Kiosk build and identity", registry=self.registry)
        info.info({"version": version, "kiosk_id": kiosk_id})
        self.device_state = Gauge("kiosk_device_state", "1 for the device's current state, 0 otherwise",
                                  ["device", "state"], registry=self.registry)
        for name in devices:
            for state in DeviceState:
                self.device_state.labels(name, state.value).set(0)
        self.media = Gauge("kiosk_device_media", "1 for the device's current media status",
                           ["device", "media"], registry=self.registry)
        self.journal_depth = Gauge("kiosk_journal_depth", "Items waiting for the platform",
                                   registry=self.registry)
        self.journal_unreadable = Gauge("kiosk_journal_unreadable",
                                        "Journal items that cannot be decrypted (kept, not sent)",
                                        registry=self.registry)
        self.platform_up = Gauge("kiosk_platform_reachable", "1 when the last platform call succeeded",
                                 registry=self.registry)
        self.visits = Counter("kiosk_visits", "Citizen visits by outcome", ["outcome"], registry=self.registry)
        self.errors = Counter("kiosk_errors", "Errors by component", ["component"], registry=self.registry)
        self.uptime = Gauge("kiosk_uptime_seconds", "Seconds since the kiosk process started",
                            registry=self.registry)
        self.uptime.set_function(lambda: time.time() - self._started)
        self.frame_ms = Gauge("kiosk_longest_frame_ms", "Longest UI frame in the last minute",
                              registry=self.registry)

    def on_event(self, event: Event) -> None:
        if isinstance(event, DeviceStatusChanged):
            for state in DeviceState:
                self.device_state.labels(event.device, state.value).set(1 if state == event.state else 0)
            if event.media is not None:
                for media in MediaStatus:
                    self.media.labels(event.device, media.value).set(1 if media == event.media else 0)

    def serve(self, host: str, port: int) -> None:
        """Start the scrape endpoint in a daemon thread; a taken port is logged, not fatal."""
        try:
            start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            log.error("metrics endpoint %s:%d not started: %s", host, port, exc.strerror)
