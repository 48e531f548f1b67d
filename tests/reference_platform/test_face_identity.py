"""人证比对 over real HTTP: the card alone opens nothing; the face check compares with the photo on file."""

from __future__ import annotations

import base64
import io

from PIL import Image

from kiosk.platform.contract import paths
from reference_platform import faces

from .helpers import assert_problem, citizen, face_check, live_capture


def grey_jpeg(size: int = 64) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (128, 128, 128)).save(buf, format="JPEG")
    return base64.b64encode(buf.getvalue()).decode()


def test_card_alone_gives_only_the_masked_name(api):
    number, name = citizen("P001")
    body = api.post(paths.IDENTITY_ID_CARD, {"id_number": number, "name": name}).json()
    assert body["face_required"] and body["person_token"] == "" and body["profile"] is None
    assert name not in str(body) and number not in str(body)


def test_grey_jpeg_with_a_known_number_gets_no_profile(api):
    number, _ = citizen("P001")
    r = face_check(api, number, grey_jpeg())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "retry" and body["reason"] == "no_face" and body["identity"] is None
    assert "phone" not in r.text and number not in r.text


def test_holder_matches_and_someone_else_does_not(api):
    number, _ = citizen("P002")
    other = face_check(api, number, live_capture("P004")).json()  # another citizen's face with P002's number
    assert other["outcome"] == "no_match" and other["identity"] is None
    assert other["score"] < other["threshold"] == faces.THRESHOLD
    own = face_check(api, number, live_capture("P002")).json()
    assert own["outcome"] == "match" and own["score"] >= own["threshold"]
    identity = own["identity"]
    assert identity["face_verified"] and identity["profile"]["id_number"] == number and identity["person_token"]
    records = api.get(paths.fill(paths.QUERY, kind="housing_fund"),
                      headers={paths.PERSON_TOKEN_HEADER: identity["person_token"]})
    assert records.status_code == 200


def test_no_liveness_means_retry(api):
    number, _ = citizen("P003")
    body = face_check(api, number, live_capture("P003"), liveness=None).json()
    assert body["outcome"] == "retry" and body["reason"] == "no_liveness" and body["identity"] is None


def test_unknown_number_answers_like_a_wrong_face(api):
    from reference_platform.seed.persons import with_check_digit

    body = face_check(api, with_check_digit("44010319900101123"), live_capture("P001")).json()
    assert body["outcome"] == "no_match" and body["score"] is None and body["identity"] is None


def test_repeated_failures_lock_the_number_and_are_audited(api, platform):
    number, _ = citizen("P005")
    left = [face_check(api, number, grey_jpeg()).json()["attempts_left"] for _ in range(faces.MAX_FAILURES)]
    assert left == list(range(faces.MAX_FAILURES - 1, -1, -1))
    assert_problem(face_check(api, number, live_capture("P005")), 429, "face_locked")  # even the right face
    store = platform.server.config.app.state.db
    rows = store.all("SELECT * FROM face_checks WHERE id_hash = ?", (faces.id_hash(number),))
    assert [r["outcome"] for r in rows] == ["retry"] * faces.MAX_FAILURES + ["no_match"]
    assert rows[-1]["reason"] == "locked"
    assert all(r["masked_id"] == number[:6] + "********" + number[-4:] for r in rows)
    assert not store.all("SELECT * FROM face_checks WHERE masked_id = ?", (number,))
    other, _ = citizen("P006")
    assert face_check(api, other, live_capture("P006")).json()["outcome"] == "match"  # per number, not global
