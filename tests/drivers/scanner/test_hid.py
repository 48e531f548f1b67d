"""HID keyboard-mode translation with real evdev InputEvent objects.

/dev/uinput is not available in the build sandbox, so the grabbed-device path can't be
driven here; the key state machine gets the same events a uinput keyboard would produce.
"""

from __future__ import annotations

import time

import pytest
from evdev import InputEvent, ecodes

from drivers.base import DeviceState, DeviceStatusChanged
from drivers.scanner.hid import CHAR_TO_KEY, KEY_DOWN, KEY_UP, HidScanner, KeyTranslator


def typed(text: str) -> list[InputEvent]:
    """What a KBW scanner sends for ``text`` + Enter, SYN reports included."""
    evs: list[InputEvent] = []
    t = time.time()

    def key(code: int, value: int) -> None:
        evs.append(InputEvent(int(t), 0, ecodes.EV_KEY, code, value))
        evs.append(InputEvent(int(t), 0, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))

    for ch in text:
        code, shift = CHAR_TO_KEY[ch]
        if shift:
            key(ecodes.KEY_LEFTSHIFT, KEY_DOWN)
        key(code, KEY_DOWN)
        key(code, KEY_UP)
        if shift:
            key(ecodes.KEY_LEFTSHIFT, KEY_UP)
    key(ecodes.KEY_ENTER, KEY_DOWN)
    key(ecodes.KEY_ENTER, KEY_UP)
    return evs


def run(events: list[InputEvent], keys: KeyTranslator | None = None) -> list[str]:
    keys = keys or KeyTranslator()
    return [t for t in (keys.feed_event(e) for e in events) if t]


@pytest.mark.parametrize("text", [
    "134567890123456789",
    "GZZW-APP-7d3f9a61c2e84b0f",
    "https://example.gov.cn/verify?code=AB12&x=1",
    "APPT-365021",
    "!@#$%^&*()_+{}|:\"<>?~ `-=[]\\;',./",
])
def test_typed_text_round_trips(text: str) -> None:
    assert run(typed(text)) == [text]


def test_right_shift_and_keypad_digits() -> None:
    keys = KeyTranslator()
    seq = [(ecodes.KEY_RIGHTSHIFT, 1), (ecodes.KEY_A, 1), (ecodes.KEY_A, 0), (ecodes.KEY_RIGHTSHIFT, 0),
           (ecodes.KEY_KP1, 1), (ecodes.KEY_KP2, 1), (ecodes.KEY_CAPSLOCK, 1), (ecodes.KEY_KPENTER, 1)]
    out = [keys.feed(c, v) for c, v in seq]
    assert out[-1] == "A12" and all(o is None for o in out[:-1])


def test_two_codes_back_to_back_and_bare_enter() -> None:
    events = typed("365021") + typed("470935")
    assert run([InputEvent(0, 0, ecodes.EV_KEY, ecodes.KEY_ENTER, 1), *events]) == ["365021", "470935"]


def test_overlong_line_is_dropped() -> None:
    keys = KeyTranslator(max_len=8)
    assert run(typed("1234567890123") + typed("365021"), keys) == ["365021"]
    assert keys.overflowed == 1


def test_missing_device_reports_offline(tmp_path) -> None:
    seen: list = []
    scanner = HidScanner("scanner", str(tmp_path / "event99"), seen.append).start()
    try:
        deadline = time.monotonic() + 3
        while not seen and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scanner.stop()
    assert isinstance(seen[0], DeviceStatusChanged) and seen[0].state is DeviceState.OFFLINE
