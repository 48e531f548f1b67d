"""Which journey serves which kiosk capability, and every journey the visit controller opens.

This is the one module that imports the journeys; only composition roots import it
(``kiosk.app``, the test harness, the chaos worker), and hand its ``journey_factories()``
to ``VisitController``. A new service journey is registered here, in ``CAPABILITIES``;
the guide then offers it for every service whose kiosk capabilities include it.
"""

from __future__ import annotations

from types import MappingProxyType

from kiosk.journeys.apply import ApplyJourney
from kiosk.journeys.base import CapabilityFactory, Journey, JourneyContext
from kiosk.journeys.certificates import CertificatesJourney
from kiosk.journeys.factories import JourneyFactories
from kiosk.journeys.goodbye import GoodbyeJourney
from kiosk.journeys.home import HomeJourney
from kiosk.journeys.identify import IdentifyJourney
from kiosk.journeys.pay import PayJourney
from kiosk.journeys.query import QueryJourney
from kiosk.journeys.queue import CheckInJourney, QueueJourney
from kiosk.journeys.rate import RateJourney
from kiosk.journeys.technician import TechnicianJourney
from kiosk.platform.contract.catalog import KioskCapability, Service


def _appointment(ctx: JourneyContext, service: Service) -> Journey:
    return CheckInJourney(ctx, service=service)


CAPABILITIES: MappingProxyType[KioskCapability, CapabilityFactory] = MappingProxyType({
    KioskCapability.QUERY: QueryJourney,
    KioskCapability.APPLY: ApplyJourney,
    KioskCapability.PAY: PayJourney,
    KioskCapability.PRINT: CertificatesJourney,
    KioskCapability.QUEUE: QueueJourney,
    KioskCapability.APPOINTMENT: _appointment,
})
"""The journey behind each of a guide's capability buttons."""


def _check_in(ctx: JourneyContext, appointment_code: str) -> Journey:
    return CheckInJourney(ctx, appointment_code=appointment_code)


def journey_factories() -> JourneyFactories:
    """What a ``VisitController`` is built with: ``VisitController(rt, journey_factories())``."""
    return JourneyFactories(home=HomeJourney, identify=IdentifyJourney, check_in=_check_in, rate=RateJourney,
                            goodbye=GoodbyeJourney, technician=TechnicianJourney, capabilities=CAPABILITIES)
