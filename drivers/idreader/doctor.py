"""``kiosk doctor idreader``: one real card read through the kiosk's own driver code.

It reports in the device states the kiosk uses (``offline`` no port, ``hardware_error`` no
SAM answering, or a card found but its read never answered in time; ``online`` with media
``absent`` when no card came; ``user_error`` when a card answered but its read was refused)
plus what the line cost (bad frames, retries, timeouts).
"""

from __future__ import annotations

import argparse

from drivers.registry import Doctor, DoctorReport, DoctorRequest, state_report


def add_doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, help="serial device (e.g. /dev/kiosk/idreader or an emulator path)")
    parser.add_argument("--baud", type=int, default=115200, help="serial speed (default 115200)")
    parser.add_argument("--sam-margin", type=float, default=None,
                        help="seconds the SAM may take on top of the wire time (default: sam_margin_s from the config)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a card")
    parser.add_argument("--read-once", action="store_true", help="read one card and exit (the default action)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def doctor(request: DoctorRequest) -> DoctorReport:
    """One real read through the kiosk's driver code. Prints only masked personal data (ID
    first 6 + last 4, name initial), so a doctor run never leaks a citizen into a ticket."""
    from drivers.base import DeviceState
    from drivers.idreader.reader import (
        DEFAULT_SAM_MARGIN_S,
        CardUnreadable,
        LinkCounters,
        NoCard,
        NoDevice,
        ReaderError,
        read_once,
    )

    args = request.args
    counters = LinkCounters()
    margin = args.sam_margin
    if margin is None:
        section = request.section()
        margin = getattr(section, "sam_margin_s", DEFAULT_SAM_MARGIN_S)
    try:
        card, read_ms = read_once(args.port, args.baud, args.timeout, margin, counters)
    except ReaderError as exc:
        state, media, code = {
            NoDevice: (DeviceState.OFFLINE, None, 3),
            NoCard: (DeviceState.ONLINE, "absent", 4),
            CardUnreadable: (DeviceState.USER_ERROR, "present", 6),
        }.get(type(exc), (DeviceState.HARDWARE_ERROR, None, 5))
        if isinstance(exc, CardUnreadable) and exc.timed_out:  # the SAM stops answering mid-read: not the card
            state, media, code = DeviceState.HARDWARE_ERROR, "present", 5
        return state_report(code, state.value, media, str(exc), _counter_lines(counters),
                            counters=counters.as_dict())
    lines = (*(f"{key:12} {value}" for key, value in card.masked().items()), f"{'read_ms':12} {read_ms:.2f}",
             *_counter_lines(counters))
    return state_report(0, DeviceState.ONLINE.value, "present", "", lines, card=card.masked(),
                        card_type=card.card_type.value, read_ms=round(read_ms, 2), counters=counters.as_dict())


def _counter_lines(counters: object) -> tuple[str, ...]:
    return tuple(f"{key:12} {value}" for key, value in vars(counters).items())


DOCTOR = Doctor("check the ID-card reader: read one card, print it masked with the read time and the line's errors",
                add_doctor_arguments, doctor)
