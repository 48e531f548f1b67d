"""Fleet health: a heartbeat to the platform, read from the device board the screen shows.

A hall manager's dashboard must show "printer 3: paper out" when the kiosk's own
attract screen does, so the heartbeat is built from the kiosk's one device board
(``kiosk.devices.board``), not from a separate probe. It runs on its own thread; a
failed heartbeat is only logged (the platform poller already shows the citizen when
the platform is away).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from operator import attrgetter

from kiosk import __version__
from kiosk.devices.board import DeviceBoard
from kiosk.ops.image import ImageState
from kiosk.ops.vitals import Vitals
from kiosk.periodic import Periodic
from kiosk.platform.contract.operations import DeviceReport, Heartbeat

log = logging.getLogger(__name__)


class HeartbeatLoop(Periodic):
    """Sends a ``Heartbeat`` once at start and then every ``interval_s`` until stopped.

    A heartbeat that did not get through is tried again after ``retry_s`` (at most the
    interval), so a kiosk that started while the platform was away shows up soon after
    it is back.
    """

    thread_name = "heartbeat"

    def __init__(self, send: Callable[[Heartbeat], object], board: DeviceBoard,
                 journal_depth: Callable[[], int], *, interval_s: float = 60.0, retry_s: float = 10.0,
                 started: float | None = None, on_result: Callable[[bool], None] | None = None,
                 image: ImageState | None = None, on_ack: Callable[[object], None] | None = None,
                 vitals: Vitals | None = None) -> None:
        super().__init__(interval_s, min(retry_s, interval_s))
        self.send, self.board, self.journal_depth = send, board, journal_depth
        self.on_result = on_result
        self.image = image
        self.on_ack = on_ack
        self.vitals = vitals
        """Backlog age, payments paused, free disk and the last visit (kiosk.ops.vitals); None: not reported."""
        """Given the platform's answer (a HeartbeatAck): the runtime applies a remote technician unlock."""
        """The booted image, its boot entry and whether an update was rolled back (read once at start)."""
        """Told whether each heartbeat got through (the metrics' platform gauge and last-sync time)."""
        self.started = started if started is not None else time.monotonic()
        self.sent = 0

    def build(self) -> Heartbeat:
        try:
            depth = self.journal_depth()
        except Exception:  # a journal problem must not stop the heartbeat that reports it
            depth = 0
        readings = sorted(self.board.readings(), key=attrgetter("name"))
        return Heartbeat(kiosk_version=__version__, uptime_s=round(time.monotonic() - self.started, 1),
                         devices=[DeviceReport(**asdict(r)) for r in readings],
                         paper_level=self.board.paper(), journal_depth=depth, last_error=self.board.last_error,
                         sent_at=dt.datetime.now(dt.UTC),
                         image_version=self.image.version or None if self.image else None,
                         boot_slot=self.image.slot or None if self.image else None,
                         rolled_back=bool(self.image and self.image.rolled_back), **self._vitals())

    def _vitals(self) -> dict[str, object]:
        v = self.vitals
        if v is None:
            return {}
        return {"unsent_oldest_age_s": v.unsent_oldest_age_s(), "payments_paused": v.payments_paused,
                "disk_free_bytes": v.disk_free_bytes(), "last_visit_at": v.last_visit_at()}

    def beat(self) -> bool:
        try:
            ack = self.send(self.build())
        except Exception as exc:
            log.warning("heartbeat not delivered: %s", type(exc).__name__)
            self._report(False)
            return False
        self.sent += 1
        self._report(True)
        if self.on_ack is not None:
            try:
                self.on_ack(ack)
            except Exception:  # an answer we cannot act on must not stop the heartbeat
                log.exception("heartbeat answer not applied")
        return True

    def _report(self, ok: bool) -> None:
        if self.on_result is not None:
            try:
                self.on_result(ok)
            except Exception:  # a metrics problem must not stop the heartbeat
                log.exception("heartbeat result listener failed")

    def step(self) -> bool:
        return self.beat()
