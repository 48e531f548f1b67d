"""Every route of the OpenAPI document, walked with a second kiosk's credentials and a second
person's token: wherever the resource belongs to another kiosk or another citizen, the answer
is a refusal (401/403/404) that carries none of the owner's data.

Each operation is either owned (kiosk A made the resource for citizen P002; kiosk B and citizen
P003 try it) or public, with the reason it may be; a route added to the document without
being placed here fails the walk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests

from kiosk.platform.contract import paths
from reference_platform.actions import queue_action
from reference_platform.db import Database
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE
from reference_platform.server import ServerHandle, serve_in_thread

from .helpers import Signed, citizen, identify

PUBLIC: dict[tuple[str, str], str] = {
    ("POST", paths.ENROL): "unsigned: trades an enrolment code for a new kiosk",
    ("GET", paths.CATALOG): "the same catalogue for every kiosk",
    ("GET", paths.SERVICE): "the same catalogue for every kiosk",
    ("GET", paths.ANNOUNCEMENTS): "the same announcements for every kiosk",
    ("POST", paths.HEARTBEAT): "writes the calling kiosk's own status",
    ("GET", paths.HEARTBEATS): "reads only the calling kiosk's own heartbeats",
    ("POST", paths.TECHNICIAN_AUDIT): "writes the calling kiosk's own technician actions",
    ("GET", paths.TECHNICIAN_AUDIT): "reads only the calling kiosk's own technician actions",
    ("GET", paths.TECHNICIANS): "lists only the technicians allowed on the calling kiosk, as salted hashes "
                                "(tests/reference_platform/routes/test_technicians.py: another kiosk's are absent)",
    ("POST", paths.IDENTITY_ID_CARD): "opens a session for the citizen at the calling kiosk",
    ("POST", paths.IDENTITY_APP_QR): "opens a session for the citizen at the calling kiosk",
    ("POST", paths.IDENTITY_FACE): "opens a session for the citizen at the calling kiosk",
    ("GET", paths.APPOINTMENT_SLOTS): "the hall's free slots, no one's bookings",
    ("GET", paths.CERTIFICATE_VERIFY): "anyone holding the printed certificate may check it (rate limited)",
    ("GET", paths.PUBLIC_VERIFY): "anyone holding the printed certificate may check it (rate limited)",
    ("POST", paths.HELP_CALLS): "creates the calling kiosk's own call",
    ("POST", paths.VISIT_SUMMARIES): "writes the calling kiosk's own visit summary, keyed by kiosk and visit"
                                     " (tests/reference_platform/test_figures.py: another kiosk's same visit id"
                                     " is another visit)",
}


@dataclass
class World:
    platform: ServerHandle
    a: Signed
    b: Signed
    p1_on_a: str
    """P002's token, issued to kiosk A: the owner of everything below."""
    p2_on_a: str
    """P003's token, issued to kiosk A: a second person at the same kiosk."""
    p2_on_b: str
    order_id: str
    ticket_id: str
    call_id: str
    case_no: str
    cert_id: str
    action_id: str
    """A remote action queued for kiosk A."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serve_in_thread(tmp_path_factory.mktemp("cross") / "p.db", always_open=True) as platform:
        a = Signed(platform.url)
        enrolled = requests.post(platform.url + paths.ENROL, json={"enrolment_code": DEMO_ENROLMENT_CODE}, timeout=10)
        b = Signed(platform.url, kiosk_id=enrolled.json()["kiosk_id"], secret=enrolled.json()["secret"].encode())
        p1 = identify(a, *citizen("P002"))
        order = a.post(paths.ORDERS, {"service_code": "440100-YBJ-0201", "person_token": p1,
                                      "items": [{"ref": "fee:0", "amount_fen": 38000}]})
        ticket = a.post(paths.QUEUE_TICKETS, {"service_code": "440100-JJ-0603", "person_token": p1})
        call = a.post(paths.HELP_CALLS, {"reason": "question", "screen": "home"})
        db = Database(platform.db_path)
        try:
            case_no = db.one("SELECT case_no FROM cases WHERE person_id = 'P002' LIMIT 1")["case_no"]
            cert_id = db.one("SELECT cert_id FROM certificates WHERE person_id = 'P002' LIMIT 1")["cert_id"]
            action_id = queue_action(db, a.kiosk_id, "upload_logs", {}, "test")
        finally:
            db.close()
        yield World(
            platform, a, b, p1, identify(a, *citizen("P003")), identify(b, *citizen("P003")),
            order.json()["order_id"], ticket.json()["ticket_id"], call.json()["call_id"], case_no, cert_id,
            action_id,
        )


def _token(token: str) -> dict[str, str]:
    return {paths.PERSON_TOKEN_HEADER: token}


def _attempts(w: World) -> dict[tuple[str, str], list[Callable[[], requests.Response]]]:
    """For each owned operation: the intruders' tries (kiosk B, or P003 at kiosk A)."""
    order = {"order_id": w.order_id}
    apply = {"service_code": "440100-RSJ-0103", "form": {}, "person_token": w.p1_on_a}
    own_case = paths.fill(paths.APPLICATION, case_no=w.case_no)
    cert = {"cert_id": w.cert_id}
    slot = "DEMO-1"
    return {
        ("GET", paths.ORDER): [lambda: w.b.get(paths.fill(paths.ORDER, **order))],
        ("POST", paths.ORDER_PAY): [
            lambda: w.b.post(paths.fill(paths.ORDER_PAY, **order), {"payment_code": "134567890123459999"})
        ],
        ("POST", paths.ORDER_CANCEL): [lambda: w.b.post(paths.fill(paths.ORDER_CANCEL, **order), {})],
        ("POST", paths.ORDER_REFUND): [lambda: w.b.post(paths.fill(paths.ORDER_REFUND, **order), {"reason": "x"})],
        ("POST", paths.ORDERS): [
            lambda: w.b.post(paths.ORDERS, {"service_code": "440100-YBJ-0201", "person_token": w.p1_on_a,
                                            "items": [{"ref": "fee:0", "amount_fen": 38000}]})
        ],
        ("GET", paths.QUEUE_TICKET): [lambda: w.b.get(paths.fill(paths.QUEUE_TICKET, ticket_id=w.ticket_id))],
        ("POST", paths.QUEUE_TICKETS): [
            lambda: w.b.post(paths.QUEUE_TICKETS, {"service_code": "440100-JJ-0603", "person_token": w.p1_on_a})
        ],
        ("GET", paths.HELP_CALL): [lambda: w.b.get(paths.fill(paths.HELP_CALL, call_id=w.call_id))],
        ("POST", paths.HELP_CALL_CANCEL): [lambda: w.b.post(paths.fill(paths.HELP_CALL_CANCEL, call_id=w.call_id), {})],
        ("DELETE", paths.IDENTITY_SESSION): [
            lambda: w.b.request("DELETE", paths.fill(paths.IDENTITY_SESSION, person_token=w.p1_on_a))
        ],
        ("GET", paths.QUERY): [
            lambda: w.b.get(paths.fill(paths.QUERY, kind="social_security"), headers=_token(w.p1_on_a))
        ],
        ("POST", paths.APPLICATIONS): [lambda: w.b.post(paths.APPLICATIONS, apply)],
        ("GET", paths.APPLICATION): [
            lambda: w.b.get(own_case, headers=_token(w.p1_on_a)),
            lambda: w.a.get(own_case, headers=_token(w.p2_on_a)),
            lambda: w.b.get(own_case, headers=_token(w.p2_on_b)),
        ],
        ("GET", paths.CERTIFICATES): [lambda: w.b.get(paths.CERTIFICATES, headers=_token(w.p1_on_a))],
        **{
            ("GET", template): [
                lambda t=template: w.b.get(paths.fill(t, **cert), headers=_token(w.p1_on_a)),
                lambda t=template: w.a.get(paths.fill(t, **cert), headers=_token(w.p2_on_a)),
                lambda t=template: w.b.get(paths.fill(t, **cert), headers=_token(w.p2_on_b)),
            ]
            for template in (paths.CERTIFICATE, paths.CERTIFICATE_PDF, paths.CERTIFICATE_PNG)
        },
        ("GET", paths.APPOINTMENTS): [lambda: w.b.get(paths.APPOINTMENTS, headers=_token(w.p1_on_a))],
        ("POST", paths.APPOINTMENTS): [
            lambda: w.b.post(paths.APPOINTMENTS, {"slot_id": slot, "person_token": w.p1_on_a})
        ],
        ("POST", paths.APPOINTMENT_CHECK_IN): [
            lambda: w.b.post(paths.APPOINTMENT_CHECK_IN, {"person_token": w.p1_on_a})
        ],
        ("POST", paths.ACTION_ACK): [
            lambda: w.b.post(paths.fill(paths.ACTION_ACK, action_id=w.action_id), {"status": "done"}),
        ],
        ("POST", paths.RATINGS): [
            lambda: w.b.post(paths.RATINGS, {"service_code": "440100-GJJ-0303", "level": "satisfied",
                                             "case_no": w.case_no, "person_token": w.p1_on_a}),
        ],
    }


def test_every_route_is_placed(world: World) -> None:
    doc = requests.get(world.platform.url + "/openapi.json", timeout=10).json()
    operations = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops if not p.startswith("/demo/")}
    placed = set(PUBLIC) | set(_attempts(world))
    assert operations == placed, f"unplaced: {operations - placed}; stale: {placed - operations}"


def test_no_one_but_the_owner_gets_in(world: World) -> None:
    leaks = []
    owner_data = [world.order_id, world.ticket_id, world.call_id, world.case_no, world.cert_id, world.p1_on_a]
    for (method, template), tries in _attempts(world).items():
        for n, attempt in enumerate(tries):
            r = attempt()
            sent = r.request.url + (r.request.body or b"").decode() + json.dumps(dict(r.request.headers))
            told = [d for d in owner_data if d in r.text and d not in sent]
            if r.status_code not in (401, 403, 404) or told:
                leaks.append(f"{method} {template} try {n}: {r.status_code} {r.text[:200]}")
    assert not leaks, "\n".join(leaks)
    # The owner still has everything: the intruders' tries changed nothing.
    a, p1 = world.a, world.p1_on_a
    assert a.get(paths.fill(paths.ORDER, order_id=world.order_id)).json()["status"] == "created"
    assert a.get(paths.fill(paths.QUEUE_TICKET, ticket_id=world.ticket_id)).status_code == 200
    assert a.get(paths.fill(paths.HELP_CALL, call_id=world.call_id)).status_code == 200
    assert a.get(paths.fill(paths.APPLICATION, case_no=world.case_no), headers=_token(p1)).status_code == 200
    assert a.get(paths.fill(paths.CERTIFICATE, cert_id=world.cert_id), headers=_token(p1)).status_code == 200
    assert json.loads(a.get(paths.CERTIFICATES, headers=_token(p1)).content)["certificates"]
    beat = a.post(paths.HEARTBEAT, {"kiosk_version": "t", "uptime_s": 1}).json()
    assert [x["action_id"] for x in beat["actions"]] == [world.action_id]  # still pending for its own kiosk


def test_a_rating_links_only_its_own_citizens_case(world: World) -> None:
    """Rating someone else's case is taken as a rating without a case: counted, linked to nothing."""
    rating = {"service_code": "440100-GJJ-0303", "level": "satisfied", "case_no": world.case_no}
    stranger = world.a.post(paths.RATINGS, rating | {"person_token": world.p2_on_a})
    anonymous = world.a.post(paths.RATINGS, rating)
    owner = world.a.post(paths.RATINGS, rating | {"person_token": world.p1_on_a})
    assert stranger.status_code == anonymous.status_code == owner.status_code == 201
    db = Database(world.platform.db_path)
    try:
        linked = {r["rating_id"]: r["case_no"] for r in db.all("SELECT rating_id, case_no FROM ratings")}
    finally:
        db.close()
    assert linked[stranger.json()["rating_id"]] is None and linked[anonymous.json()["rating_id"]] is None
    assert linked[owner.json()["rating_id"]] == world.case_no
