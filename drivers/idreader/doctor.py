"""``kiosk doctor idreader``: one real card read through the kiosk's own driver code."""

from __future__ import annotations

import argparse

from drivers.registry import Doctor, DoctorReport, DoctorRequest


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/idreader or an emulator path)")
    parser.add_argument("--baud", type=int, default=115200, help="serial speed (default 115200)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a card")
    parser.add_argument("--read-once", action="store_true", help="read one card and exit (the default action)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def doctor(request: DoctorRequest) -> DoctorReport:
    """One real read through the kiosk's driver code. Prints only masked personal data (ID
    first 6 + last 4, name initial), so a doctor run never leaks a citizen into a ticket."""
    from drivers.idreader.reader import NoCard, NoDevice, ReaderError, read_once

    args = request.args
    try:
        card, read_ms = read_once(args.port, args.baud, args.timeout)
    except ReaderError as exc:
        kind = {NoDevice: "no_device", NoCard: "no_card"}.get(type(exc), "timeout")
        return DoctorReport({"no_device": 3, "no_card": 4}.get(kind, 5),
                            {"ok": False, "error": kind, "message": str(exc)},
                            (f"ID reader check failed ({kind}): {exc}",))
    out = {"ok": True, "card": card.masked(), "card_type": card.card_type.value, "read_ms": round(read_ms, 2)}
    lines = (*(f"{key:12} {value}" for key, value in out["card"].items()), f"{'read_ms':12} {out['read_ms']}")
    return DoctorReport(0, out, lines)


DOCTOR = Doctor("check the ID-card reader: read one card, print it masked with the read time",
                add_doctor_arguments, doctor)
