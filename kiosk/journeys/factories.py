"""What the visit controller is handed instead of importing journeys: one factory per journey it opens.

The composition root builds them (``kiosk.journeys.registry.journey_factories``), so the
controller, and every journey, depends on the journey contract in ``base`` alone and the
journey modules form no import cycle.
"""

from __future__ import annotations

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
