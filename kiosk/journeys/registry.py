"""Which journey serves which kiosk capability of a service (the guide's buttons)."""

from __future__ import annotations

from kiosk.journeys.base import Journey
from kiosk.platform.contract.catalog import KioskCapability, Service


def for_capability(ctx, capability: KioskCapability, service: Service) -> Journey | None:
    if capability is KioskCapability.QUERY:
        from kiosk.journeys.query import QueryJourney

        return QueryJourney(ctx, service)
    if capability is KioskCapability.APPLY:
        from kiosk.journeys.apply import ApplyJourney

        return ApplyJourney(ctx, service)
    if capability is KioskCapability.PAY:
        from kiosk.journeys.pay import PayJourney

        return PayJourney(ctx, service)
    if capability is KioskCapability.PRINT:
        from kiosk.journeys.certificates import CertificatesJourney

        return CertificatesJourney(ctx, service)
    if capability is KioskCapability.QUEUE:
        from kiosk.journeys.queue import QueueJourney

        return QueueJourney(ctx, service)
    if capability is KioskCapability.APPOINTMENT:
        from kiosk.journeys.queue import CheckInJourney

        return CheckInJourney(ctx, service=service)
    return None
