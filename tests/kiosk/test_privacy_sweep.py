"""After a batch of real visits nothing personal is left behind (DESIGN: privacy).

Visits identify demo citizens with their cards, query records, submit an application
while the platform is down (so the journal holds it), pay with a payment code, and
rate. Then no full ID number, name or mobile number of any demo citizen, and no payment
code, may appear in what the kiosk logged (raw messages, before the masking filter),
in any file the kiosk wrote under its state folder (the journal's sealed rows included),
or in a visit temp folder. The reference platform's own database is the platform's
business and is excluded.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.visit import visit_dirs
from reference_platform.seed.persons import CITIZENS
from tests.kiosk.journeys.harness import Kiosk

PAYMENT_CODE = "134567890123456789"
SECRETS = [s for c in CITIZENS for s in (c.id_number, c.name, c.phone) if s and len(s) >= 2] + [PAYMENT_CODE]


def identify(k: Kiosk, category: str, service: str, capability: str, person: str) -> None:
    k.act("start")
    k.wait("home")
    k.press("category", code=category)
    k.wait("home.category")
    k.press(service)
    k.wait("guide")
    k.press(capability)
    k.wait("identify")
    k.runtime.devices.emulators.idreader.insert(DEMO_CARDS[person])
    k.wait("identify.confirmed")
    k.press("continue")


def take_card(k: Kiosk) -> None:
    """The citizen takes the card away; the next one comes a moment later (the reader polls)."""
    k.runtime.devices.emulators.idreader.remove()
    reader = k.runtime.devices.idreader
    assert k.loop.run_until(lambda: not reader._card_present, 5)


def visits(k: Kiosk) -> None:
    identify(k, "social", "个人社会保险参保缴费查询", "query", "P001")
    k.wait("query")
    k.press("print")
    k.wait("query")
    k.press("done")
    k.wait("rate")
    k.act("level", index="3")  # dissatisfied: asks for reasons and a phone number
    k.wait("rate.reasons")
    k.press("reason", code="slow")
    k.type("contact", "13911112222")
    k.press("submit")
    k.wait("rate.thanks")
    k.controller.end_visit("test")
    take_card(k)

    identify(k, "payments", "城乡居民基本医疗保险缴费", "pay", "P002")
    k.wait("pay")
    k.press("scan_code")
    k.wait("pay.scan")
    k.runtime.devices.emulators.scanner.scan(PAYMENT_CODE)
    k.wait("pay.result")
    k.press("print")
    k.wait("pay.result")
    k.controller.end_visit("test")
    take_card(k)

    identify(k, "social", "就业失业登记", "apply", "P003")
    k.wait("apply.form")
    k.type("status", "失业登记")
    k.press("next")
    k.wait("apply.materials")
    k.press("photo")
    k.wait("apply.materials")
    k.press("use")
    k.wait("apply.review")
    k.runtime.server.stop()  # the platform goes away: the application must wait in the journal
    k.press("submit")
    k.wait("apply.receipt")
    assert k.runtime.journal.depth() >= 1
    k.controller.end_visit("test")


def test_nothing_personal_survives_a_batch_of_visits(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    k = Kiosk(tmp_path)
    reference_db = Path(k.runtime.server.db_path)
    try:
        visits(k)
        assert k.controller.sessions.visit is None
    finally:
        k.close()

    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("reference_platform"))
    leaks = [s for s in SECRETS if s in logged]
    assert not leaks, f"logged in full: {leaks}"

    for path in tmp_path.rglob("*"):
        if not path.is_file() or path.name.startswith(reference_db.name):
            continue
        data = path.read_bytes()
        for secret in SECRETS:
            for encoded in {secret.encode("utf-8"), secret.encode("utf-16-le")}:
                assert encoded not in data, f"{secret!r} found in {path.relative_to(tmp_path)}"

    assert not visit_dirs(), "a visit temp folder was left behind"
