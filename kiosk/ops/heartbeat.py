"""Fleet health: a heartbeat to the platform, fed by the same device events the screen sees.

A hall manager's dashboard must show "printer 3: paper out" when the kiosk's own
attract screen does, so the heartbeat is built from the device events on the bus, not
from a separate probe. It runs on its own thread; a failed heartbeat is only logged
(the platform poller already shows the citizen when the platform is away).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable

from drivers import registry
from drivers.base import DeviceState, DeviceStatusChanged
from kiosk import __version__
from kiosk.devices.status import DEVICE_NAMES
from kiosk.platform.contract.operations import DeviceReport, Heartbeat
from kiosk.privacy import scrub

log = logging.getLogger(__name__)

ERROR_STATES = frozenset({DeviceState.HARDWARE_ERROR, DeviceState.USER_ERROR})


class DeviceBoard:
    """The latest state, media and detail of every device, and the last error seen.

    Every registered device class is on it from the start ("unknown" until it reports),
    so the fleet dashboard sees a device that never said anything as well as one that did.
    """

    def __init__(self, devices: Iterable[str] = DEVICE_NAMES) -> None:
        self._lock = threading.Lock()
        self._devices = {name: DeviceReport(name=name, state="unknown") for name in devices}
        self.last_error: str | None = None

    def on_event(self, event: object) -> None:
        if not isinstance(event, DeviceStatusChanged):
            return
        report = DeviceReport(name=event.device, state=event.state.value,
                              media=event.media.value if event.media else None, detail=scrub(event.detail))
        with self._lock:
            self._devices[event.device] = report
            if event.state in ERROR_STATES:
                self.last_error = f"{event.device}: {event.state.value} {report.detail}".strip()

    def reports(self) -> list[DeviceReport]:
        with self._lock:
            return [self._devices[k] for k in sorted(self._devices)]

    def media(self, device: str) -> str | None:
        with self._lock:
            report = self._devices.get(device)
        return report.media if report else None

    def paper(self) -> str | None:
        """The receipt paper level: the media of the device class whose spec says it holds the paper."""
        return next((self.media(s.name) for s in registry.specs() if s.paper), None)


class HeartbeatLoop:
    """Sends a ``Heartbeat`` every ``interval_s`` (and once at start) until stopped."""

    def __init__(self, send: Callable[[Heartbeat], object], board: DeviceBoard,
                 journal_depth: Callable[[], int], *, interval_s: float = 60.0,
                 started: float | None = None) -> None:
        self.send, self.board, self.journal_depth = send, board, journal_depth
        self.interval_s = interval_s
        self.started = started if started is not None else time.monotonic()
        self.sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def build(self) -> Heartbeat:
        try:
            depth = self.journal_depth()
        except Exception:  # a journal problem must not stop the heartbeat that reports it
            depth = 0
        return Heartbeat(kiosk_version=__version__, uptime_s=round(time.monotonic() - self.started, 1),
                         devices=self.board.reports(), paper_level=self.board.paper(),
                         journal_depth=depth, last_error=self.board.last_error,
                         sent_at=dt.datetime.now(dt.UTC))

    def beat(self) -> bool:
        try:
            self.send(self.build())
        except Exception as exc:
            log.warning("heartbeat not delivered: %s", type(exc).__name__)
            return False
        self.sent += 1
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(0 if self.sent == 0 else self.interval_s):
            self.beat()
