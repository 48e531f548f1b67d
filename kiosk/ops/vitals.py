"""What the heartbeat tells the fleet beyond the device board, each read from the code path it describes.

* ``unsent_oldest_age_s``: the journal's oldest item still waiting to be sent (applications,
  ratings, help calls, technician audit, visit summaries), as the outbox sees it;
* ``payments_paused``: the order settler's own flag, as it publishes it (``PaymentsPaused``);
* ``disk_free_bytes``: the file system holding the state folder (journal, cache, drop-ins);
* ``last_visit_at``: when the controller last ended a visit (``VisitEnded``), kept in the state
  folder so a restart does not make a busy kiosk look unused.

The Prometheus series (``kiosk.ops.metrics``) read the same sources.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.bus import EventBus, PaymentsPaused, VisitEnded

log = logging.getLogger(__name__)

LAST_VISIT_FILE = "last-visit.json"


class Vitals:
    def __init__(self, state_dir: Path, oldest_pending_at: Callable[[], float | None],
                 clock: Callable[[], float] = time.time) -> None:
        self.state_dir = state_dir
        self.oldest_pending_at = oldest_pending_at
        self.clock = clock
        self.payments_paused = False
        self._lock = threading.Lock()
        self._last_visit = self._read_last_visit()
        self._subs: list[Any] = []
        self._bus: EventBus | None = None

    def attach(self, bus: EventBus) -> None:
        self._bus = bus
        self._subs.append(bus.subscribe(self.on_event, PaymentsPaused, VisitEnded, sync=True))

    def detach(self) -> None:
        if self._bus is not None:
            for sub in self._subs:
                self._bus.unsubscribe(sub)
        self._subs.clear()

    def on_event(self, event: object) -> None:
        if isinstance(event, PaymentsPaused):
            self.payments_paused = event.paused
        elif isinstance(event, VisitEnded):
            self.visit_ended(self.clock())

    # -- the values --------------------------------------------------------------------------
    def unsent_oldest_age_s(self) -> float | None:
        try:
            created = self.oldest_pending_at()
        except Exception:  # a journal problem must not stop the heartbeat that reports it
            log.exception("oldest unsent item not readable")
            return None
        return None if created is None else round(max(0.0, self.clock() - created), 1)

    def disk_free_bytes(self) -> int | None:
        probe = self.state_dir
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            return int(shutil.disk_usage(probe).free)
        except OSError:
            return None

    def last_visit_at(self) -> dt.datetime | None:
        with self._lock:
            at = self._last_visit
        return None if at is None else dt.datetime.fromtimestamp(at, dt.UTC)

    # -- the last visit, kept across restarts ------------------------------------------------
    def visit_ended(self, at: float) -> None:
        with self._lock:
            self._last_visit = at
        path = self.state_dir / LAST_VISIT_FILE
        try:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"at": at}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("last visit time not kept in %s: %s", path, exc.strerror)

    def _read_last_visit(self) -> float | None:
        try:
            at = json.loads((self.state_dir / LAST_VISIT_FILE).read_text(encoding="utf-8"))["at"]
            return float(at) if isinstance(at, int | float) else None
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("unreadable %s: %s", LAST_VISIT_FILE, exc)
            return None
