"""The "print" visit: a certificate with a print fee, paid with a scanned code and printed.

On some visits the emulated printer runs out of paper in the middle of the certificate,
so the citizen is given a reprint code instead, which a later reprint visit redeems.
"""

from __future__ import annotations

from devtools.chaos.script import ReprintTodo, Script, Stuck

CERT_SERVICE = "440100-ZW-0904"
"""电子证照打印: the certificate list, preview, pay the print fee, print."""
PRINT_CERT = "个人信用报告"
"""The certificate with a print fee (10.00 yuan), held by these citizens."""
PRINT_OWNERS = ("P002", "P004", "P006")


def visit(citizen: Script) -> None:
    from kiosk.journeys.certificates import CertificatesJourney
    from kiosk.journeys.pay import PayJourney

    journey, person = citizen.open_as(CERT_SERVICE, "print", CertificatesJourney, PRINT_OWNERS)
    citizen.wait("certificates")
    cert = next((a for a in citizen.actions() if a.id == "cert" and PRINT_CERT in a.label), None)
    if cert is None:
        raise Stuck(f"{person} has no {PRINT_CERT}")
    citizen.press("cert", cert_id=cert.kwargs()["cert_id"])
    citizen.wait("certificates.preview")
    if not citizen.printer_ready():
        raise Stuck("the receipt printer never read ready")
    emu = citizen.rt.devices.emulators.printer
    paper_out = citizen.rng.random() < citizen.paper_out_rate
    if paper_out:
        emu.set_status("out", after_bytes=citizen.rng.randrange(60, 400))  # mid-certificate (text mode: ~500 B)
    try:
        citizen.press("print", printer="thermal")  # "pay and print"
        citizen.wait("pay")
        pay = citizen.controller.current
        assert isinstance(pay, PayJourney)
        if not citizen.pay_with_code(pay, person, "print", cert_id=cert.kwargs()["cert_id"]):
            return
        order = pay.order
        citizen.phase("print", what="certificate", order_id=order.order_id)
        citizen.press("done")  # back to the certificate, which prints now
        citizen.wait("certificates.result", timeout=60)
        result = journey.result
        if result is not None and result.ok and not result.pending:
            citizen.ack("printed", what="certificate", order_id=order.order_id)
        elif result is not None:
            citizen.ack("reprint_code", code=result.job.code, order_id=order.order_id, person=person)
            citizen.reprints.append(ReprintTodo(result.job.code, person, order.order_id))
        citizen.phase("shown")
    finally:
        if paper_out:
            emu.set_status("ok")
            citizen.rt.pool.submit(citizen.rt.devices.printer.status)

