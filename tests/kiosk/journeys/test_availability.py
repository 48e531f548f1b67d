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


def test_platform_outage_marks_kiosk_services_unavailable_before_the_citizen_starts(tmp_path) -> None:
    """With the platform down every service the kiosk would do shows why not, on its button and
    in its guide, whose text stays readable; the guide no longer claims it can be done here."""
    from kiosk.devices.status import PlatformPoller
    from kiosk.views import Choices

    from .harness import Kiosk

    set_language("zh_CN")
    kiosk = Kiosk(tmp_path)
    try:
        kiosk.act("start")
        kiosk.wait("home")
        kiosk.runtime.server.stop()
        assert not PlatformPoller(kiosk.runtime.client.announcements, kiosk.runtime.bus).poll_once()  # the app's poll
        assert kiosk.loop.run_until(lambda: kiosk.runtime.status.snapshot().platform_reachable is False, 15)

        kiosk.press("category", code="social")
        view = kiosk.wait("home.category")
        (grid,) = [b for b in view.blocks if isinstance(b, Choices)]
        button = next(a for a in grid.items if a.label == "就业失业登记")
        assert "平台暂时无法连接" in button.kwargs()["note"] and button.style == "secondary"

        kiosk.press("就业失业登记")
        view = kiosk.wait("guide")
        shown = repr(view)
        assert "本事项可在本机自助办理" not in shown
        assert "本机暂不能办理" in shown and "平台暂时无法连接" in shown
        assert "受理条件" in shown  # the guide itself is still there
        apply = next(a for a in view.actions if a.id == "apply")
        assert not apply.enabled
        kiosk.press("materials")
        kiosk.wait("guide.materials")
    finally:
        kiosk.close()


def test_an_english_guide_has_no_blank_elements(kiosk) -> None:
    """A service without steps or legal basis (the queue ticket) shows no empty rows, in either language."""
    from kiosk.journeys.guide import GuideJourney
    from kiosk.views import Pairs

    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("lang")
    try:
        catalog = kiosk.runtime.client.catalog()
        for service in catalog.catalog.services:
            kiosk.controller.push(GuideJourney(kiosk.controller, service, catalog))
            view = kiosk.wait("guide")
            rows = [r for b in view.blocks if isinstance(b, Pairs) for r in b.rows]
            assert all(label.strip() and value.strip() for label, value in rows), (service.code, rows)
            assert not any("\u4e00" <= ch <= "\u9fff" for label, _v in rows for ch in label), rows
            kiosk.press("back")
    finally:
        kiosk.act("lang")
