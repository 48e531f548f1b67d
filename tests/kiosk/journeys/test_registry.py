"""The registry the composition root hands the visit controller."""

from __future__ import annotations

import dataclasses

from kiosk.journeys import registry
from kiosk.journeys.guide import CAPABILITY_ACTIONS
from kiosk.platform.contract.catalog import KioskCapability

from .harness import Kiosk


def test_every_capability_the_guide_offers_has_a_journey() -> None:
    assert set(CAPABILITY_ACTIONS) <= set(registry.CAPABILITIES)


def test_the_controller_opens_what_it_was_handed(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    home = kiosk.controller.current
    assert home is not None
    service = next(s for s in home.services() if KioskCapability.QUEUE in s.kiosk_capability)
    journey = kiosk.controller.journey_for(KioskCapability.QUEUE, service)
    assert journey is not None and journey.name == "queue" and journey.ctx is kiosk.controller
    kiosk.controller.journeys = dataclasses.replace(kiosk.controller.journeys, capabilities={})
    assert kiosk.controller.journey_for(KioskCapability.QUEUE, service) is None
