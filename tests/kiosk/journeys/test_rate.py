"""The rating (好差评): a bad rating asks why and for a call-back number, which is the
citizen's registered phone shown masked, or another one they type."""

from __future__ import annotations

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys.queue import QueueJourney
from kiosk.platform.contract.feedback import RATING_REASONS
from kiosk.privacy import mask_phone
from kiosk.views import Form

from .harness import Kiosk


def to_bad_rating(kiosk: Kiosk) -> str:
    """An identified citizen takes a queue number, leaves and rates it 不满意; returns their phone."""
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.controller.push(kiosk.controller.journeys.identify(kiosk.controller, then=None))
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    kiosk.wait("home")
    phone = kiosk.controller.sessions.visit.identity.attributes["phone"]
    service = kiosk.runtime.client.catalog().catalog.service("440100-ZW-0903")
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    kiosk.press("take")
    kiosk.wait("queue.ticket")
    kiosk.act("end")
    kiosk.wait("rate")
    kiosk.act("level", index="3")  # 不满意
    kiosk.wait("rate.reasons")
    return phone


def test_registered_phone_is_masked_on_the_bad_rating_screen(kiosk: Kiosk) -> None:
    phone = to_bad_rating(kiosk)
    shown = kiosk.text()
    assert phone not in shown and mask_phone(phone) in shown
    assert not any(isinstance(b, Form) for b in kiosk.view.blocks)
    kiosk.act("field", name="contact", value="13900001111")  # no input on screen: ignored
    assert kiosk.controller.current.contact == phone
    kiosk.act("reason", code=next(iter(RATING_REASONS)))
    kiosk.press("submit")
    kiosk.wait("rate.thanks")
    assert kiosk.controller.current.contact == phone  # the call-back goes to the full number


def test_another_call_back_number_can_be_typed(kiosk: Kiosk) -> None:
    to_bad_rating(kiosk)
    kiosk.press("other_contact")
    (form,) = [b for b in kiosk.view.blocks if isinstance(b, Form)]
    assert form.fields[0].value == ""
    kiosk.type("contact", "13900001111")
    kiosk.act("reason", code=next(iter(RATING_REASONS)))
    kiosk.press("submit")
    kiosk.wait("rate.thanks")
    assert kiosk.controller.current.contact == "13900001111"
