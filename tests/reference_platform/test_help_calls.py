"""Help calls over HTTP: a call is queued for staff, and the citizen can cancel it."""

from __future__ import annotations

from .helpers import assert_problem


def test_a_cancelled_call_stops_summoning_staff(api) -> None:
    r = api.post("/v1/help-calls", {"reason": "question", "screen": "apply.form"})
    assert r.status_code == 201, r.text
    call = r.json()
    assert call["status"] == "queued" and call["expected_minutes"] > 0

    r = api.post(f"/v1/help-calls/{call['call_id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["expected_minutes"] == 0
    assert api.get(f"/v1/help-calls/{call['call_id']}").json()["status"] == "cancelled"

    again = api.post(f"/v1/help-calls/{call['call_id']}/cancel")  # a retry answers the call as it stands
    assert again.status_code == 200 and again.json()["status"] == "cancelled"


def test_cancelling_an_unknown_call_is_not_found(api) -> None:
    assert_problem(api.post("/v1/help-calls/Hnosuchcall/cancel"), 404, "not_found")
