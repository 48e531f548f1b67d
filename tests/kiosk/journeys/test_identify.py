"""Home -> guide -> identify with the ID card on the emulated reader, over the real platform."""

from __future__ import annotations

import pytest

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.views import Form

from .harness import Kiosk


def open_guide(kiosk: Kiosk, category: str, service_label: str) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code=category)
    kiosk.wait("home.category")
    kiosk.press(service_label)
    kiosk.wait("guide")


def test_card_on_reader_identifies_and_shows_masked(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    open_guide(kiosk, "social", "个人社会保险参保缴费查询")
    kiosk.press("query")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    view = kiosk.wait("identify.confirmed")
    shown = repr(view)
    assert "110105********002X" in shown and "11010519491231002X" not in shown
    assert kiosk.controller.sessions.visit.identity.id_number == "11010519491231002X"


def test_wrong_number_is_refused_with_a_message(kiosk: Kiosk) -> None:
    set_language("zh_CN")
    open_guide(kiosk, "social", "个人社会保险参保缴费查询")
    kiosk.press("query")
    kiosk.wait("identify")
    kiosk.press("by_number")
    kiosk.type("id_number", "110105194912310021")
    kiosk.press("number_ok")
    view = kiosk.view
    assert view.screen == "identify.number"
    assert "校验" in repr(view) or "check" in repr(view)


def test_ending_the_visit_wipes_identity(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.act("my_cases")
    kiosk.wait("identify.confirmed")
    kiosk.controller.end_visit("test")
    assert kiosk.controller.sessions.visit is None
    assert kiosk.frame().attract


def test_identifying_for_a_service_is_not_the_service_being_done(kiosk: Kiosk) -> None:
    """After identify, back from the service returns to the guide, not to a rating."""
    open_guide(kiosk, "social", "个人社会保险参保缴费查询")
    kiosk.press("query")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    kiosk.wait("query")
    assert [j.name for j in kiosk.controller.stack] == ["home", "guide", "query"]
    kiosk.press("back")
    kiosk.wait("guide")
    kiosk.press("query")
    kiosk.wait("query")  # identified already: no second identification


def test_demo_card_button_reads_through_the_emulated_reader(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("my_cases")
    kiosk.wait("identify")
    kiosk.press("demo_card")
    kiosk.wait("identify.confirmed")
    assert kiosk.controller.sessions.visit.identity.method == "id_card"


def test_no_demo_button_with_a_real_reader(tmp_path) -> None:
    k = Kiosk(tmp_path, idreader={"backend": "serial", "port": str(tmp_path / "no-such-port")})
    try:
        k.act("start")
        k.wait("home")
        k.act("my_cases")
        k.wait("identify")
        assert "demo_card" not in [a.id for a in k.actions()]
    finally:
        k.close()


def _to_number_entry(kiosk: Kiosk, number: str) -> None:
    set_language("zh_CN")
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("my_cases")
    kiosk.wait("identify")
    kiosk.press("by_number")
    kiosk.type("id_number", number)
    kiosk.press("number_ok")


def test_card_then_face_step_with_live_preview(kiosk: Kiosk) -> None:
    """The card alone identifies nobody: the face step shows a preview and prompts, then confirms."""
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("my_cases")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P003"])
    view = kiosk.wait("identify.face")
    assert kiosk.controller.sessions.visit.identity is None
    assert kiosk.loop.run_until(lambda: any(type(b).__name__ == "Picture" for b in kiosk.view.blocks), 10)
    kiosk.wait("identify.confirmed", timeout=40)
    identity = kiosk.controller.sessions.visit.identity
    assert identity.method == "id_card" and identity.person_token and identity.attributes.get("phone")
    assert view.title


def test_manual_number_needs_the_face_and_gets_the_profile(kiosk: Kiosk) -> None:
    _to_number_entry(kiosk, DEMO_CARDS["P002"].id_number)
    kiosk.wait("identify.face")
    kiosk.wait("identify.confirmed", timeout=40)
    identity = kiosk.controller.sessions.visit.identity
    assert identity.method == "face" and identity.id_number == DEMO_CARDS["P002"].id_number


def test_someone_elses_face_is_not_a_match(kiosk: Kiosk, monkeypatch) -> None:
    from kiosk.devices import demo_cards

    other = demo_cards.FACES_DIR / "P004.jpg"
    monkeypatch.setattr(demo_cards, "demo_face", lambda number: other)
    _to_number_entry(kiosk, DEMO_CARDS["P002"].id_number)
    kiosk.wait("identify.face")
    assert kiosk.loop.run_until(lambda: "不一致" in kiosk.text(), 40), kiosk.text()
    assert kiosk.controller.sessions.visit.identity is None
    assert "retry_face" in [a.id for a in kiosk.actions()]


def test_no_camera_no_face_check(tmp_path) -> None:
    k = Kiosk(tmp_path, camera={"backend": "none"})
    try:
        k.act("start")
        k.wait("home")
        k.act("my_cases")
        k.wait("identify")
        k.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
        k.wait("identify.face")
        assert "摄像头暂不可用" in k.text()
        assert k.controller.sessions.visit.identity is None
    finally:
        k.close()


@pytest.mark.parametrize(("document", "number", "person"), [
    ("passport", "567890123", "P011"),
    ("hmt_travel", "H60251234", "P008"),
    ("foreign_permanent", "944840198209200113", "P011"),
])
def test_a_foreigner_identifies_by_document_number_and_face(kiosk: Kiosk, document: str, number: str,
                                                            person: str) -> None:
    from kiosk.services.documents import DOCUMENTS, DocumentKind

    set_language("zh_CN")
    open_guide(kiosk, "social", "个人社会保险参保缴费查询")
    kiosk.press("query")
    kiosk.wait("identify")
    kiosk.press("by_number")
    view = kiosk.wait("identify.number")
    assert {a.kwargs().get("kind") for a in kiosk.actions() if a.id == "document"} == {k.value for k in DocumentKind}
    kiosk.press("document", kind=document)
    (form,) = [b for b in kiosk.view.blocks if isinstance(b, Form)]
    assert form.fields[0].keyboard == DOCUMENTS[DocumentKind(document)].keyboard
    kiosk.type("id_number", number.lower())
    kiosk.press("number_ok")
    kiosk.wait("identify.face")
    kiosk.wait("identify.confirmed", timeout=40)
    visit = kiosk.controller.sessions.visit
    from reference_platform.seed.persons import CITIZENS

    expected = next(c for c in CITIZENS if c.person_id == person)
    assert visit.identity is not None and visit.identity.masked_id.endswith(expected.id_number[-4:])
    assert view.screen == "identify.number"
