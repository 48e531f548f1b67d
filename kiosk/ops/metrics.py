"""Prometheus metrics on a local port, so a fleet's existing Prometheus can scrape kiosks.

The device gauges are read from the kiosk's device board at each scrape, the board the
attract screen shows, which is what makes "paper out on the printer" show up as paper
out in the fleet dashboard too. A private registry keeps tests and the demo from
colliding with anything else in-process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Info, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from drivers.base import DeviceState, MediaStatus
from kiosk.devices.board import DeviceBoard

log = logging.getLogger(__name__)


class DeviceGauges(Collector):
    """``kiosk_device_state`` and ``kiosk_device_media`` from the board, as it is when scraped.

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
        for reading in self.board.readings():
            for value in DeviceState:
                state.add_metric([reading.name, value.value], 1 if value.value == reading.state else 0)
            if reading.media is not None:
                for level in MediaStatus:
                    media.add_metric([reading.name, level.value], 1 if level.value == reading.media else 0)
        yield state
        yield media


class KioskMetrics:
    """The kiosk's series in a private registry; the device series are ``board``'s."""

    def __init__(self, version: str, kiosk_id: str, board: DeviceBoard) -> None:
        self.registry = CollectorRegistry()
        self._started = time.time()
        info = Info("kiosk", "Kiosk build and identity", registry=self.registry)
        info.info({"version": version, "kiosk_id": kiosk_id})
        self.registry.register(DeviceGauges(board))
        self.journal_depth = Gauge("kiosk_journal_depth", "Items waiting for the platform",
                                   registry=self.registry)
        self.journal_unreadable = Gauge("kiosk_journal_unreadable",
                                        "Journal items that cannot be decrypted (kept, not sent)",
                                        registry=self.registry)
        self.journal_set_aside = Gauge("kiosk_journal_set_aside",
                                       "Journal items set aside for good (refused or unreadable): alert when above 0",
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

    def serve(self, host: str, port: int) -> None:
        """Start the scrape endpoint in a daemon thread; a taken port is logged, not fatal."""
        try:
            start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            log.error("metrics endpoint %s:%d not started: %s", host, port, exc.strerror)
