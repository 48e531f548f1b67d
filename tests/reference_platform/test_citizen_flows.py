"""Identity, queries, applications, appointments, queue and ratings over real HTTP."""

from __future__ import annotations

import base64
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from kiosk.platform.contract import QueryKind, QueryPage, paths
from reference_platform.seed.appointments import DEMO_APPOINTMENT_CODES
from reference_platform.seed.persons import APP_TOKENS, with_check_digit
from reference_platform.server import serve_in_thread

from .helpers import Signed, assert_problem, citizen, face_check, identify, live_capture


def _jpeg(size: int = 128) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (200, 180, 160)).save(buf, format="JPEG")
    return base64.b64encode(buf.getvalue()).decode()


def test_identify_by_card_app_qr_and_face(api):
    number, name = citizen("P008")
    r = api.post(paths.IDENTITY_ID_CARD, {"id_number": number, "name": name, "card_type": "hmt_residence_permit"})
    assert r.status_code == 201
    body = r.json()
    assert body["masked_id"] == number[:6] + "********" + number[-4:]
    assert body["masked_name"] == "何*欣" and body["card_type"] == "hmt_residence_permit"
    assert body["face_required"] and body["profile"] is None and not body["person_token"]
    assert api.post(paths.IDENTITY_APP_QR, {"token": APP_TOKENS["P011"]}).json()["card_type"] == "foreign_permanent_new"
    face = face_check(api, citizen("P003")[0], live_capture("P003")).json()
    assert face["outcome"] == "match" and face["identity"]["profile"]["phone"]
    assert_problem(
        api.post(
            paths.IDENTITY_FACE,
            {"id_number": citizen("P003")[0], "photo_jpeg_base64": base64.b64encode(b"x" * 40).decode()},
        ),
        403,
        "identity_failed",
    )
    assert_problem(api.post(paths.IDENTITY_ID_CARD, {"id_number": number, "name": "别人"}), 403, "identity_failed")
    assert_problem(
        api.post(paths.IDENTITY_ID_CARD, {"id_number": number[:-1] + "0", "name": name}), 403, "identity_failed"
    )
    assert_problem(api.post(paths.IDENTITY_APP_QR, {"token": "GZZW-APP-unknown00"}), 403, "identity_failed")


def test_unknown_but_valid_card_and_old_foreign_card(api):
    """Accepted as cards; without a photo on file the holder cannot pass the face check."""
    for number, name in ((with_check_digit("44010319900101123"), "测试人"), citizen("P013")):
        card = api.post(paths.IDENTITY_ID_CARD, {"id_number": number, "name": name})
        assert card.status_code == 201 and card.json()["face_required"]
        face = face_check(api, number, live_capture("P001")).json()
        assert face["outcome"] == "no_match" and face["identity"] is None
    assert identify(api, *citizen("P012"))


def test_session_end(api):
    token = identify(api, *citizen("P005"))
    headers = {paths.PERSON_TOKEN_HEADER: token}
    assert api.get(paths.fill(paths.QUERY, kind="housing_fund"), headers=headers).status_code == 200
    assert api.request("DELETE", paths.fill(paths.IDENTITY_SESSION, person_token=token)).status_code == 204
    assert_problem(api.get(paths.fill(paths.QUERY, kind="housing_fund"), headers=headers), 401, "person_token_invalid")


@pytest.mark.parametrize("kind", list(QueryKind))
def test_every_query_kind(api, kind):
    token = identify(api, *citizen("P002"))
    r = api.get(
        paths.fill(paths.QUERY, kind=kind.value),
        headers={paths.PERSON_TOKEN_HEADER: token},
        params={"page": 1, "page_size": 5},
    )
    assert r.status_code == 200, r.text
    page = QueryPage.model_validate(r.json())
    assert page.total >= 1 and len(page.rows) <= 5
    keys = {c.key for c in page.columns}
    assert all(keys <= row.keys() for row in page.rows)


def test_application_and_progress(api):
    number, name = citizen("P007")
    token = identify(api, number, name)
    form = {"name": name, "id_number": number, "phone": "13900001111", "address": "广州市荔湾区", "status": "失业登记"}
    body = {
        "service_code": "440100-RSJ-0103",
        "person_token": token,
        "form": form,
        "materials": [{"name": "解除劳动合同证明", "content_type": "image/jpeg", "data_base64": _jpeg(64)}],
    }
    r = api.post(paths.APPLICATIONS, body)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["case_no"].startswith("440100") and len(receipt["receipt_code"]) == 8
    progress = api.get(
        paths.fill(paths.APPLICATION, case_no=receipt["case_no"]), params={"receipt_code": receipt["receipt_code"]}
    )
    assert progress.json()["status"] == "received"
    page = api.get(paths.fill(paths.QUERY, kind="case_progress"), headers={paths.PERSON_TOKEN_HEADER: token}).json()
    assert receipt["case_no"] in [row["case_no"] for row in page["rows"]]
    bad = {**body, "form": {**form, "phone": "12345", "status": "其他"}}
    problem = assert_problem(api.post(paths.APPLICATIONS, bad), 422, "validation")
    assert {e["field"] for e in problem["errors"]} == {"form.phone", "form.status"}
    assert_problem(api.post(paths.APPLICATIONS, {**body, "service_code": "440100-ZW-0901"}), 409, "conflict")


def test_appointments_check_in_and_queue(api):
    token = identify(api, *citizen("P005"))
    slots = api.get(paths.APPOINTMENT_SLOTS, params={"service_code": "440100-CRJ-0702"}).json()["slots"]
    booked = api.post(paths.APPOINTMENTS, {"slot_id": slots[0]["slot_id"], "person_token": token}).json()
    assert len(booked["appointment_code"]) == 6 and booked["status"] == "booked"
    mine = api.get(paths.APPOINTMENTS, headers={paths.PERSON_TOKEN_HEADER: token}).json()["appointments"]
    assert booked["appointment_code"] in [a["appointment_code"] for a in mine]
    result = api.post(paths.APPOINTMENT_CHECK_IN, {"appointment_code": DEMO_APPOINTMENT_CODES[0]})
    assert result.status_code == 200, result.text
    ticket = result.json()["ticket"]
    assert ticket["number"].startswith("V") and result.json()["appointment"]["status"] == "checked_in"
    walk_in = api.post(paths.QUEUE_TICKETS, {"service_code": "440100-JJ-0603"}).json()
    assert walk_in["position"] >= 5 and walk_in["expected_wait_minutes"] == walk_in["position"] * 6
    assert api.get(paths.fill(paths.QUEUE_TICKET, ticket_id=walk_in["ticket_id"])).json()["number"] == walk_in["number"]
    assert_problem(api.post(paths.APPOINTMENT_CHECK_IN, {}), 422, "validation")


def test_queue_outside_hall_hours_is_503(tmp_path):
    sunday_night = datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    with serve_in_thread(tmp_path / "p.db", clock=lambda: sunday_night) as handle:
        api = Signed(handle.url)
        r = api.post(paths.QUEUE_TICKETS, {"service_code": "440100-JJ-0603"}, now=sunday_night)
        assert_problem(r, 503, "outside_hall_hours")
        catalog = api.get(paths.CATALOG, now=sunday_night).json()
        assert catalog["hall_hours"]["weekdays"] == [0, 1, 2, 3, 4]


def test_the_seeded_queue_is_ahead_just_after_midnight(tmp_path):
    """The seeded tickets are issued "ten minutes ago" but never yesterday (tickets count per day)."""
    just_after = datetime(2026, 11, 24, 0, 3, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    with serve_in_thread(tmp_path / "p.db", clock=lambda: just_after, always_open=True) as handle:
        api = Signed(handle.url)
        r = api.post(paths.QUEUE_TICKETS, {"service_code": "440100-JJ-0603"}, now=just_after)
        assert r.status_code == 201, r.text
        assert r.json()["position"] >= 5


def test_a_demo_running_past_midnight_books_its_demo_appointments_again_for_the_new_day(tmp_path):
    """The demo bookings follow the hall's day while the platform runs, not only at its start."""
    evening = datetime(2026, 11, 24, 23, 50, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    clock = [evening]
    with serve_in_thread(tmp_path / "p.db", clock=lambda: clock[0], always_open=True) as handle:
        api = Signed(handle.url)

        def check_in() -> dict:
            r = api.post(paths.APPOINTMENT_CHECK_IN, {"appointment_code": DEMO_APPOINTMENT_CODES[0]}, now=clock[0])
            assert r.status_code == 200, r.text
            return r.json()

        first = check_in()
        assert first["appointment"]["day"] == "2026-11-24" and first["appointment"]["status"] == "checked_in"
        assert check_in()["ticket"]["ticket_id"] == first["ticket"]["ticket_id"]  # the same evening: same ticket
        clock[0] = evening + 20 * 60  # 00:10 the next day
        second = check_in()
        assert second["appointment"]["day"] == "2026-11-25"
        assert second["ticket"]["ticket_id"] != first["ticket"]["ticket_id"]
        assert second["ticket"]["number"] == "V001"  # the first check-in of the new day
        assert check_in()["ticket"]["ticket_id"] == second["ticket"]["ticket_id"]  # today's ticket, not yesterday's


def test_ratings(api):
    good = api.post(paths.RATINGS, {"service_code": "440100-ZW-0901", "level": "very_satisfied"})
    assert good.status_code == 201 and good.json()["follow_up"] is False
    bad = {"service_code": "440100-ZW-0901", "level": "dissatisfied", "reasons": ["slow"], "contact": "13800001111"}
    assert api.post(paths.RATINGS, bad).json()["follow_up"] is True
    assert_problem(api.post(paths.RATINGS, {**bad, "contact": ""}), 422, "validation")
    # A reference that is not the citizen's case (here: none at all) is dropped, the rating kept.
    assert api.post(paths.RATINGS, {**bad, "case_no": "nope"}).status_code == 201
    assert_problem(api.post(paths.RATINGS, {**bad, "case_no": "no pe"}), 422, "validation")


def test_announcements(api):
    items = api.get(paths.ANNOUNCEMENTS).json()["announcements"]
    assert items and all(a["title"]["zh_CN"] and a["text"]["en"] for a in items)
