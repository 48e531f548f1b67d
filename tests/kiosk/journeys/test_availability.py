"""Which devices a service needs: the platform's names against the kiosk's device classes."""

from __future__ import annotations

from kiosk.i18n import set_language
from kiosk.journeys.availability import unavailable_reason
from kiosk.platform.contract.catalog import HallHours
from reference_platform.catalog_data import SERVICES


def test_a_device_this_kiosk_does_not_know_is_ignored_and_known_ones_still_count() -> None:
    set_language("zh_CN")
    service = SERVICES[0].model_copy(update={"available": "always", "required_devices": ["printer", "hologram"]})
    assert service.model_validate(service.model_dump()).required_devices == ["printer", "hologram"]
    hours = HallHours()
    assert unavailable_reason(service, hours, {"printer": "online"}) == ""
    assert unavailable_reason(service, hours, {"printer": "offline"}) == "凭条打印机暂不可用"
