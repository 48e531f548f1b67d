"""ESC/POS real-time status (``DLE EOT n`` = ``10 04 n``) decoded into the kiosk device model.

python-escpos 3.1 reports "paper adequate" when the printer does not answer at all, so
a pulled cable would look like a healthy printer. This module decodes the raw reply
bytes itself: every reply must match the fixed pattern ``0xx1xx10`` (bit 1 and bit 4
set, bits 0 and 7 clear); a missing reply means ``offline`` and a reply that breaks the
pattern means the thing on the port is not (or no longer) talking ESC/POS.
The bit table is in docs/devices-printer.md, "Real-time status".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from drivers.base import DeviceState, MediaStatus

DLE_EOT = b"\x10\x04"

PRINTER_STATUS = 1
OFFLINE_CAUSE = 2
ERROR_CAUSE = 3
PAPER_SENSOR = 4


def query(n: int) -> bytes:
    """The 3-byte real-time status request for function ``n`` (1..4)."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT function must be 1..4, got {n}")
    return DLE_EOT + bytes((n,))


class Reason(enum.StrEnum):
    """Why the printer is (not) ready; the ``detail`` of its DeviceStatusChanged events."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    OFFLINE = "offline"  # silent, unplugged or the port is gone
    INVALID_REPLY = "invalid_reply"
    COVER_OPEN = "cover_open"
    PAPER_OUT = "paper_out"
    PAPER_FEED = "paper_feed"
    CUTTER_ERROR = "cutter_error"
    UNRECOVERABLE_ERROR = "unrecoverable_error"
    RECOVERABLE_ERROR = "recoverable_error"
    AUTO_RECOVERABLE_ERROR = "auto_recoverable_error"
    PRINTER_OFFLINE = "printer_offline"  # answers, but reports itself offline for no stated cause
    PRINTING = "printing"
    STALLED = "stalled"  # connected, but stopped taking the job's data


REASON_TEXT: dict[str, dict[str, str]] = {
    Reason.READY: {"zh_CN": "打印机就绪", "en": "Printer ready"},
    Reason.PAPER_NEAR_END: {"zh_CN": "打印纸即将用完", "en": "Paper is running low"},
    Reason.OFFLINE: {"zh_CN": "打印机未连接，请联系工作人员", "en": "Printer not connected, please ask staff"},
    Reason.INVALID_REPLY: {"zh_CN": "打印机故障，请联系工作人员", "en": "Printer fault, please ask staff"},
    Reason.COVER_OPEN: {"zh_CN": "打印机盖未关闭，请联系工作人员", "en": "Printer cover is open, please ask staff"},
    Reason.PAPER_OUT: {"zh_CN": "打印机缺纸，请联系工作人员", "en": "Printer is out of paper, please ask staff"},
    Reason.PAPER_FEED: {"zh_CN": "打印机正在走纸，请稍候", "en": "Printer is feeding paper, please wait"},
    Reason.CUTTER_ERROR: {"zh_CN": "打印机切刀故障，请联系工作人员", "en": "Printer cutter fault, please ask staff"},
    Reason.UNRECOVERABLE_ERROR: {"zh_CN": "打印机故障，请联系工作人员", "en": "Printer fault, please ask staff"},
    Reason.RECOVERABLE_ERROR: {"zh_CN": "打印机暂时故障，请联系工作人员", "en": "Printer error, please ask staff"},
    Reason.AUTO_RECOVERABLE_ERROR: {"zh_CN": "打印机正在恢复，请稍候", "en": "Printer is recovering, please wait"},
    Reason.PRINTER_OFFLINE: {"zh_CN": "打印机暂停服务，请联系工作人员", "en": "Printer is paused, please ask staff"},
    Reason.PRINTING: {"zh_CN": "正在打印，请稍候", "en": "Printing, please wait"},
    Reason.STALLED: {"zh_CN": "打印机停止接收数据，请联系工作人员",
                     "en": "Printer stopped taking data, please ask staff"},
}
"""Citizen-facing text per reason (zh_CN / en twins until kiosk.i18n wires gettext)."""


class StatusByteError(ValueError):
    """A reply byte that does not match the DLE EOT pattern ``0xx1xx10``."""

    def __init__(self, n: int, value: int) -> None:
        self.n, self.value = n, value
        super().__init__(f"DLE EOT {n} reply 0x{value:02X} does not match the pattern 0xx1xx10")


def valid_reply(value: int) -> bool:
    """True for bytes of the form ``0xx1xx10`` (bits 1, 4 set; bits 0, 7 clear)."""
    return 0 <= value <= 0xFF and (value & 0b1001_0011) == 0b0001_0010


def _bit(value: int, n: int) -> bool:
    return bool(value >> n & 1)


@dataclass(frozen=True)
class PrinterStatus:
    """One complete reading: the decoded state plus the raw bytes it came from (for the doctor)."""

    state: DeviceState
    media: MediaStatus
    reason: Reason
    raw: dict[int, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """A job may start: online (paper near its end still prints)."""
        return self.state is DeviceState.ONLINE

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "media": self.media.value,
            "reason": self.reason.value,
            "raw": {f"dle_eot_{n}": f"0x{v:02X}" for n, v in sorted(self.raw.items())},
            "flags": list(self.flags),
        }


OFFLINE = PrinterStatus(DeviceState.OFFLINE, MediaStatus.UNKNOWN, Reason.OFFLINE)
STALLED = PrinterStatus(DeviceState.OFFLINE, MediaStatus.UNKNOWN, Reason.STALLED)
"""Took part of a job, then no more data: the line is full, so no status request gets through either."""


def invalid(n: int, value: int) -> PrinterStatus:
    return PrinterStatus(DeviceState.HARDWARE_ERROR, MediaStatus.UNKNOWN, Reason.INVALID_REPLY,
                         {n: value}, (f"invalid_reply_{n}",))


def decode_flags(raw: dict[int, int]) -> tuple[str, ...]:
    """Names of every set bit in the replies, per the Epson DLE EOT table."""
    names = {
        PRINTER_STATUS: {2: "drawer_high", 3: "offline", 5: "waiting_recovery", 6: "feed_button"},
        OFFLINE_CAUSE: {2: "cover_open", 3: "paper_feeding", 5: "stopped_paper_end", 6: "error"},
        ERROR_CAUSE: {2: "recoverable_error", 3: "cutter_error", 5: "unrecoverable_error",
                      6: "auto_recoverable_error"},
    }
    out: list[str] = []
    for n in sorted(raw):
        value = raw[n]
        if not valid_reply(value):
            raise StatusByteError(n, value)
        if n == PAPER_SENSOR:
            if value & 0x0C == 0x0C:
                out.append("paper_near_end")
            if value & 0x60 == 0x60:
                out.append("paper_end")
        else:
            out.extend(name for bit, name in names[n].items() if _bit(value, bit))
    return tuple(out)


def decode(raw: dict[int, int]) -> PrinterStatus:
    """Map the replies to DLE EOT 1/2/4 (and 3 when present) to state, media and reason.

    Hardware faults win over user-fixable ones because a technician must come either
    way; cover open is reported before paper out since closing the cover is the first
    thing anyone on site would do. Raises ``StatusByteError`` for a malformed byte.
    """
    if PRINTER_STATUS not in raw:
        raise ValueError("DLE EOT 1 (printer status) is required")
    flags = set(decode_flags(raw))
    if "paper_end" in flags or "stopped_paper_end" in flags:
        media = MediaStatus.OUT
    elif "paper_near_end" in flags:
        media = MediaStatus.NEAR_END
    elif PAPER_SENSOR in raw:
        media = MediaStatus.OK
    else:
        media = MediaStatus.UNKNOWN
    order: list[tuple[str, DeviceState, Reason]] = [
        ("cutter_error", DeviceState.HARDWARE_ERROR, Reason.CUTTER_ERROR),
        ("unrecoverable_error", DeviceState.HARDWARE_ERROR, Reason.UNRECOVERABLE_ERROR),
        ("cover_open", DeviceState.USER_ERROR, Reason.COVER_OPEN),
        ("recoverable_error", DeviceState.USER_ERROR, Reason.RECOVERABLE_ERROR),
        ("auto_recoverable_error", DeviceState.BUSY, Reason.AUTO_RECOVERABLE_ERROR),
        ("paper_feeding", DeviceState.BUSY, Reason.PAPER_FEED),
    ]
    state, reason = DeviceState.ONLINE, Reason.READY
    for flag, flag_state, flag_reason in order:
        if flag in flags:
            state, reason = flag_state, flag_reason
            break
    else:
        if media is MediaStatus.OUT:
            state, reason = DeviceState.USER_ERROR, Reason.PAPER_OUT
        elif "error" in flags:
            state, reason = DeviceState.HARDWARE_ERROR, Reason.UNRECOVERABLE_ERROR
        elif "offline" in flags:
            state, reason = DeviceState.USER_ERROR, Reason.PRINTER_OFFLINE
        elif media is MediaStatus.NEAR_END:
            reason = Reason.PAPER_NEAR_END
    ordered = tuple(f for f in decode_flags(raw) if f in flags)
    return PrinterStatus(state, media, reason, dict(raw), ordered)
