"""The "pay" visit: a catalogue fee (城乡居民基本医疗保险缴费) paid with a scanned code, receipt sometimes printed."""

from __future__ import annotations

from devtools.chaos.script import Script, Stuck

FEE_SERVICE = "440100-YBJ-0201"
"""城乡居民基本医疗保险缴费: a catalogue fee that can be paid any number of times."""
PAYERS = ("P001", "P002", "P003")


def visit(citizen: Script) -> None:
    from kiosk.journeys.pay import PayJourney

    journey, person = citizen.open_as(FEE_SERVICE, "pay", PayJourney, PAYERS)
    if not citizen.pay_with_code(journey, person, "fee"):
        return
    if citizen.rng.random() < citizen.print_rate:
        citizen.phase("print", what="payment_receipt")
        citizen.press("print")
        if not citizen.until(lambda: journey.printed is not None and not journey.busy, 30):
            raise Stuck("the payment receipt did not print")
        if journey.printed is not None and journey.printed.ok:
            citizen.ack("printed", what="payment_receipt", order_id=journey.order.order_id)
        citizen.phase("shown")
    citizen.press("done")
    citizen.wait("rate")

