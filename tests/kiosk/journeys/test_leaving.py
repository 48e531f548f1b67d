"""Leaving a visit: one exit, a question before an application or payment is lost, the rating
only after a service was used, and a goodbye screen with nothing personal left."""

from __future__ import annotations

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys.queue import QueueJourney

from .harness import Kiosk


def to_apply_form(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code="social")
    kiosk.wait("home.category")
    kiosk.press("就业失业登记")
    kiosk.wait("guide")
    kiosk.press("apply")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    kiosk.wait("apply.form")
    kiosk.type("status", "失业登记")


def test_home_has_no_second_exit(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    view = kiosk.wait("home")
    assert all(a.id != "finish" and a.label != "结束办理" for a in kiosk.actions()), view.actions
    assert kiosk.frame().chrome.label("end") == "退出"


def test_exit_mid_application_asks_and_stay_keeps_the_form(kiosk: Kiosk) -> None:
    to_apply_form(kiosk)
    kiosk.act("end")
    view = kiosk.wait("leave.confirm")
    assert "尚未提交" in kiosk.text()
    kiosk.act("next")  # a stale touch on the form behind the question does nothing
    assert kiosk.screen == "leave.confirm"
    kiosk.press("stay")
    kiosk.wait("apply.form")
    assert kiosk.controller.sessions.visit.form_values["status"] == "失业登记"
    assert view.actions[0].id == "stay"  # the safe answer comes first


def test_exit_confirmed_mid_application_wipes_without_rating(kiosk: Kiosk) -> None:
    to_apply_form(kiosk)
    kiosk.act("end")
    kiosk.wait("leave.confirm")
    kiosk.press("leave")
    kiosk.wait("goodbye")  # nothing was delivered: no rating about nothing


def test_home_mid_application_asks_too(kiosk: Kiosk) -> None:
    to_apply_form(kiosk)
    kiosk.act("home")
    kiosk.wait("leave.confirm")
    kiosk.press("leave")
    kiosk.wait("home")
    assert len(kiosk.controller.stack) == 1


def test_exit_without_work_goes_straight_to_goodbye(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("end")
    kiosk.wait("goodbye")


def test_rating_follows_a_delivered_service(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    service = kiosk.runtime.client.catalog().catalog.service("440100-ZW-0903")
    kiosk.controller.open(QueueJourney(kiosk.controller, service))
    kiosk.wait("queue")
    kiosk.press("take")
    kiosk.wait("queue.ticket")
    number = kiosk.controller.current.ticket.number
    kiosk.act("end")  # the ticket is taken: nothing to lose, but a service to rate
    kiosk.wait("rate")
    assert kiosk.controller.current.reference == number


def test_goodbye_screen_holds_nothing_personal(kiosk: Kiosk) -> None:
    to_apply_form(kiosk)
    assert kiosk.frame().chrome.identity  # the masked name while identified
    kiosk.act("end")
    kiosk.press("leave")
    kiosk.wait("goodbye")
    frame = kiosk.frame()
    assert frame.chrome.identity == ""
    assert kiosk.controller.sessions.visit is None
    assert "个人信息已从本机清除" in repr(frame.view)
