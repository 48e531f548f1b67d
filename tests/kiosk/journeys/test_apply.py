"""Apply (在线申请) over the real reference platform, with the emulated card reader, camera and printer.

The service is 就业失业登记 (440100-RSJ-0103): a one-form application whose ID-card
material is covered by reading the card and whose second material is an optional photo.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.i18n import set_language
from kiosk.journeys.apply import ApplyJourney
from kiosk.views import Form, Picture
from reference_platform.audit import audit

from .harness import Kiosk

SERVICE = "440100-RSJ-0103"
SERVICE_LABEL = "就业失业登记"
CASE_NO = re.compile(r"440100\d{14}")


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language("zh_CN")


def open_apply(kiosk: Kiosk, person: str = "P001") -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.press("category", code="social")
    kiosk.wait("home.category")
    kiosk.press(SERVICE_LABEL)
    kiosk.wait("guide")
    # the service needs the camera: its button is enabled once the camera reports online
    assert kiosk.loop.run_until(lambda: any(a.id == "apply" and a.enabled for a in kiosk.actions()), 10)
    kiosk.press("apply")
    kiosk.wait("identify")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS[person])
    kiosk.wait("identify.confirmed")
    kiosk.press("continue")
    kiosk.wait("apply.form")


def form_fields(kiosk: Kiosk) -> dict:
    (form,) = [b for b in kiosk.view.blocks if isinstance(b, Form)]
    return {f.name: f for f in form.fields}


def fill_and_reach_review(kiosk: Kiosk, photo: bool) -> None:
    kiosk.type("status", "失业登记")
    kiosk.press("next")
    kiosk.wait("apply.materials")
    if photo:
        kiosk.press("photo")
        kiosk.wait("apply.materials")
        assert any(isinstance(b, Picture) for b in kiosk.view.blocks)
        kiosk.press("use")
    else:
        kiosk.press("skip")
    kiosk.wait("apply.review")


def kiosk_cases(kiosk: Kiosk) -> int:
    return audit(kiosk.runtime.server.db_path)["applications_from_kiosks"]


def platform_case(kiosk: Kiosk, case_no: str) -> sqlite3.Row:
    db = sqlite3.connect(f"file:{kiosk.runtime.server.db_path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM cases WHERE case_no = ?", (case_no,)).fetchone()
    finally:
        db.close()


def test_happy_path_to_a_case_number_and_a_printed_receipt(kiosk: Kiosk) -> None:
    open_apply(kiosk)
    kiosk.press("reveal")  # the citizen's own check of the masked prefill
    fields = form_fields(kiosk)
    # one form: what the citizen proved is filled in for them
    assert fields["name"].value == "王秀英"
    assert fields["id_number"].value == "11010519491231002X"
    assert fields["phone"].value == "13911112222"
    assert fields["address"].value.startswith("北京市朝阳区")
    assert fields["status"].choices == ("失业登记", "就业登记") and fields["status"].value == ""

    fill_and_reach_review(kiosk, photo=True)
    review = repr(kiosk.view)
    assert "110105********002X" in review and "11010519491231002X" not in review
    assert "139****2222" in review and "13911112222" not in review
    assert "*秀英" not in review and "王*英" in review
    assert "已拍照 1 份" in review
    assert "已通过读取身份证提供" in review  # the card read at the kiosk stands for the ID-card material

    before = kiosk_cases(kiosk)
    kiosk.press("submit")
    view = kiosk.wait("apply.receipt")
    shown = repr(view)
    (case_no,) = set(CASE_NO.findall(shown))
    assert "回执码" in shown and "承诺办结日期" in shown
    assert kiosk.runtime.journal.depth() == 0
    assert kiosk_cases(kiosk) == before + 1
    row = platform_case(kiosk, case_no)
    assert json.loads(row["form_json"])["status"] == "失业登记"
    assert [m["name"] for m in json.loads(row["materials_json"])] == ["解除或终止劳动合同证明"]
    assert row["receipt_code"] in shown
    assert not any(k.startswith("material:") for k in kiosk.controller.sessions.visit.photos)

    printer = kiosk.runtime.devices.emulators.printer
    kiosk.press("print")
    kiosk.wait("apply.receipt")
    assert len(printer.wait_pages(1)) == 1
    assert "打印完成" in repr(kiosk.view)

    kiosk.press("done")
    kiosk.wait("rate")
    assert case_no in [r["case_no"] for r in kiosk.controller.sessions.visit.receipts]


def test_bad_phone_and_id_number_are_shown_beside_their_fields(kiosk: Kiosk) -> None:
    open_apply(kiosk)
    kiosk.press("reveal")  # prefilled personal data is editable only once shown in full
    kiosk.type("phone", "2391111222")
    kiosk.type("id_number", "110105194912310021")  # wrong check digit
    kiosk.press("next")
    assert kiosk.screen == "apply.form"
    fields = form_fields(kiosk)
    assert "手机号码" in fields["phone"].error
    assert "校验位" in fields["id_number"].error
    assert "必填" in fields["status"].error
    assert fields["name"].error == "" and fields["address"].error == ""

    kiosk.act("lang")  # the same errors, now in English
    fields = form_fields(kiosk)
    assert fields["phone"].error.startswith("A mobile number")
    assert "check digit" in fields["id_number"].error
    kiosk.act("lang")

    kiosk.type("phone", "139 1111 2222")
    kiosk.type("id_number", "11010519491231002x")
    kiosk.type("status", "失业登记")
    kiosk.press("next")
    kiosk.wait("apply.materials")
    assert kiosk.controller.sessions.visit.form_values["phone"] == "13911112222"
    assert kiosk.controller.sessions.visit.form_values["id_number"] == "11010519491231002X"


def test_credit_code_failing_its_check_is_a_warning_the_citizen_may_accept(kiosk: Kiosk) -> None:
    from kiosk.platform.contract.catalog import FormField as ServiceField

    open_apply(kiosk)
    service = kiosk.controller.current.service
    service = service.model_copy(update={"form_fields": [
        ServiceField(key="company", label="单位统一社会信用代码", label_en="Employer credit code", kind="uscc"),
    ]})
    kiosk.controller.push(ApplyJourney(kiosk.controller, service))
    kiosk.wait("apply.form")
    kiosk.type("company", "91110000600037341A")  # fails the GB 32100 check digit
    kiosk.press("next")
    assert kiosk.screen == "apply.form"
    assert "未通过校验" in form_fields(kiosk)["company"].error
    kiosk.press("next")  # seen and accepted
    kiosk.wait("apply.materials")


def test_elder_mode_asks_a_few_fields_per_page(kiosk: Kiosk) -> None:
    kiosk.act("elder")
    open_apply(kiosk)
    kiosk.press("reveal")
    assert list(form_fields(kiosk)) == ["name", "id_number", "phone"]
    kiosk.press("next")
    kiosk.wait("apply.form")
    assert list(form_fields(kiosk)) == ["address", "status", "last_employer"]
    kiosk.press("next")
    assert "必填" in form_fields(kiosk)["status"].error
    kiosk.press("back")
    assert list(form_fields(kiosk)) == ["name", "id_number", "phone"]


def test_platform_down_at_submit_still_saves_and_says_so(kiosk: Kiosk) -> None:
    open_apply(kiosk)
    fill_and_reach_review(kiosk, photo=True)
    kiosk.runtime.server.stop()
    kiosk.press("submit")
    view = kiosk.wait("apply.receipt", timeout=12)
    shown = repr(view)
    assert "安全保存" in shown and not CASE_NO.search(shown)
    journey = kiosk.controller.current
    assert journey.key[:8].upper() in shown
    assert kiosk.runtime.journal.depth() == 1
    assert kiosk.runtime.journal.state(journey.key) == "retrying"
    printer = kiosk.runtime.devices.emulators.printer
    kiosk.press("print")
    kiosk.wait("apply.receipt")
    assert len(printer.wait_pages(1)) == 1
    kiosk.press("done")
    kiosk.wait("rate")


def test_double_submit_makes_one_application(kiosk: Kiosk) -> None:
    open_apply(kiosk)
    fill_and_reach_review(kiosk, photo=True)
    journey = kiosk.controller.current
    before = kiosk_cases(kiosk)
    kiosk.act("submit")
    kiosk.act("submit")  # a second tap while the first is on its way
    journey._send()  # and a retry racing it past every guard on the screen: only the key is left
    kiosk.wait("apply.receipt")
    assert kiosk.loop.run_until(lambda: not journey.submitting and not journey.busy, 12)
    kiosk.act("submit")  # a stale tap from the review screen
    assert not journey.busy
    report = audit(kiosk.runtime.server.db_path)
    assert report["applications_from_kiosks"] == before + 1
    assert report["duplicate_submissions"] == []
    assert kiosk.runtime.journal.depth() == 0
    assert CASE_NO.search(repr(kiosk.view))


def test_no_page_found_shows_the_prompt_and_still_allows_the_raw_photo(tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    desk.mkdir()
    cv2.imwrite(str(desk / "empty.png"), np.full((480, 640, 3), 45, np.uint8))  # an empty dark desk
    kiosk = Kiosk(tmp_path / "state", camera={"backend": "emulator", "source": str(desk)})
    try:
        open_apply(kiosk)
        kiosk.type("status", "就业登记")
        kiosk.press("next")
        kiosk.wait("apply.materials")
        kiosk.press("photo")
        view = kiosk.wait("apply.materials")
        assert "四角完整入镜" in repr(view)
        assert any(isinstance(b, Picture) for b in view.blocks)
        kiosk.press("use")
        view = kiosk.wait("apply.review")
        assert "已拍照 1 份" in repr(view)
        photos = kiosk.controller.sessions.visit.photos
        assert bytes(photos["material:1"][:2]) == b"\xff\xd8"  # a JPEG, in memory only
        kiosk.controller.end_visit("walked away")
        assert kiosk.controller.sessions.visit is None and not photos
    finally:
        kiosk.close()


def test_prefilled_personal_data_is_masked_until_the_citizen_reveals_it(kiosk: Kiosk) -> None:
    from kiosk.devices.demo_cards import DEMO_CARDS
    from kiosk.privacy import mask_id

    open_apply(kiosk)
    card = DEMO_CARDS["P001"]
    attrs = kiosk.controller.sessions.visit.identity.attributes
    shown = repr(kiosk.view)
    for full in (card.id_number, attrs["phone"], attrs["address"], card.name):
        assert full not in shown, full
    assert mask_id(card.id_number) in shown
    assert "name" not in form_fields(kiosk) and "id_number" not in form_fields(kiosk)
    kiosk.type("id_number", "11010519491231002X")  # no input for a masked value: a stale touch changes nothing
    assert kiosk.controller.sessions.visit.form_values["id_number"] == card.id_number

    kiosk.press("reveal")
    fields = form_fields(kiosk)
    assert fields["id_number"].value == card.id_number and fields["phone"].value == attrs["phone"]
    kiosk.press("conceal")
    assert card.id_number not in repr(kiosk.view)

    kiosk.press("reveal")
    kiosk.type("status", "失业登记")
    kiosk.press("next")  # going on hides them again
    kiosk.wait("apply.materials")
    kiosk.press("back")
    kiosk.wait("apply.form")
    assert card.id_number not in repr(kiosk.view)
