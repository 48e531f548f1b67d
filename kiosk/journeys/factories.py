"""What the visit controller is handed instead of importing journeys: one factory per journey it opens.

The composition root builds them (``kiosk.journeys.registry.journey_factories``), so the
controller, and every journey, depends on the journey contract in ``base`` alone and the
journey modules form no import cycle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from drivers.idreader.card import IdCard
from kiosk.journeys.base import CapabilityFactory, Journey, JourneyContext, TechnicianContext
from kiosk.platform.contract.catalog import KioskCapability
from kiosk.views import Frame


class IdentifyFactory(Protocol):
    def __call__(self, ctx: JourneyContext, then: Journey | None = None, *, card: IdCard | None = None,
                 app_token: str | None = None) -> Journey: ...


class TechnicianMode(Protocol):
    """Technician mode as the controller drives it: it takes every touch, event and tick while open."""

    def start(self) -> None: ...

    def act(self, action: str, **args: str) -> None: ...

    def on_event(self, event: object) -> bool: ...

    def tick(self, dt: float = 1.0) -> None: ...

    def frame(self) -> Frame: ...


@dataclass(frozen=True)
class JourneyFactories:
    """Every journey the controller itself opens, and the registry of capability journeys."""

    home: Callable[[JourneyContext], Journey]
    identify: IdentifyFactory
    check_in: Callable[[JourneyContext, str], Journey]
    """An appointment code scanned at the attract screen starts its check-in."""
    rate: Callable[[JourneyContext, str, str], Journey]
    """(ctx, service code, reference): the 好差评 rating at the end of the visit."""
    goodbye: Callable[[JourneyContext], Journey]
    technician: Callable[[TechnicianContext], TechnicianMode]
    capabilities: Mapping[KioskCapability, CapabilityFactory]


class DeferredFactories:
    """``JourneyFactories`` built on first use (``resolve``), with the same attributes.

    The attract screen opens no journey, and the journey modules import OpenCV, NumPy and
    the platform's models (~0.8 s here, several seconds on a Pi): a kiosk's first frame
    does not wait for them. The app resolves them on a background thread after that frame
    (``kiosk.app.warm_in_background``), so the first touch does not wait either.
    """

    def __init__(self, build: Callable[[], JourneyFactories]) -> None:
        self._build = build
        self._built: JourneyFactories | None = None
        self._lock = threading.Lock()

    def resolve(self) -> JourneyFactories:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def __getattr__(self, name: str):
        return getattr(self.resolve(), name)
