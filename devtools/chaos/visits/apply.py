"""The "apply" visit: 就业失业登记 from its guide, identification, the form, materials, submit.

The ID card covers the first material; a citizen identified by the government app has it
photographed by the (emulated) camera instead. The optional material is skipped.

The application is acknowledged when its receipt is on screen (idempotency key, kiosk
reference and case number); the receipt is printed on some visits.
"""

from __future__ import annotations

import uuid

from devtools.chaos.script import Script, Stuck

APPLY_SERVICE = "440100-RSJ-0103"
"""就业失业登记: one form, the ID card covers the first material, the second is optional."""
APPLICANTS = ("P001", "P002", "P003", "P005")


def visit(citizen: Script) -> None:
    from kiosk.journeys.apply import ApplyJourney

    journey, _person = citizen.open_as(APPLY_SERVICE, "apply", ApplyJourney, APPLICANTS)
    citizen.wait("apply.form")
    citizen.controller.act("field", name="status", value=citizen.rng.choice(["失业登记", "就业登记"]))
    # every application differs, so "same content twice" on the platform means a duplicate
    citizen.controller.act("field", name="last_employer", value=f"chaos-{uuid.uuid4().hex[:12]}")
    citizen.press("next")
    while citizen.wait("apply.materials", "apply.review") == "apply.materials":
        skip = citizen.find("skip")
        if skip is not None and skip.enabled:
            citizen.press("skip")
        else:  # a required material the ID card would have covered (identified by the app): photograph it
            citizen.press("photo")
            citizen.wait("apply.materials")
            citizen.press("use")
    citizen.phase("submit", key=journey.key)
    citizen.press("submit")
    screen = citizen.wait("apply.receipt", "apply.rejected", timeout=30)
    res = journey.result
    if screen == "apply.receipt" and res is not None:
        citizen.ack("application", key=journey.key, kiosk_ref=res.kiosk_ref, case_no=res.case_no,
                    state=res.state)
    else:
        citizen.events.write("rejected", key=journey.key)
    citizen.phase("shown")
    if screen == "apply.receipt" and citizen.rng.random() < citizen.print_rate:
        citizen.phase("print", what="application_receipt")
        citizen.press("print")
        if not citizen.until(lambda: journey.printed is not None and not journey.busy, 30):
            raise Stuck("the application receipt did not print")
        if journey.printed is not None and journey.printed.ok:
            citizen.ack("printed", what="application_receipt", key=journey.key)
        citizen.phase("shown")
    citizen.press("done")
    citizen.wait("rate")

