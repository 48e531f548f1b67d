"""HID keyboard-mode translation with real evdev InputEvent objects.

/dev/uinput is not available in the build sandbox, so the grabbed-device path can't be
driven here; the key state machine gets the same events a uinput keyboard would produce.
"""

from __future__ import annotations

import time

import pytest
from evdev import InputEvent, ecodes

from drivers.base import DeviceState, DeviceStatusChanged
from drivers.scanner.hid import CHAR_TO_KEY, KEY_DOWN, KEY_UP, US_LAYOUT, HidScanner, KeyTranslator, Suffix
from kiosk.services.codes import CodeKind, classify


def typed(text: str, at: float | None = None, suffix: int | None = ecodes.KEY_ENTER,
          per_key: float = 0.004) -> list[InputEvent]:
    """What a KBW scanner sends for ``text`` + its suffix key, SYN reports included, stamped
    from ``at`` on, ``per_key`` seconds apart (the kernel's time stamps)."""
    evs: list[InputEvent] = []
    clock = [time.time() if at is None else at]

    def key(code: int, value: int) -> None:
        t = clock[0]
        sec, usec = int(t), round((t - int(t)) * 1e6)
        evs.append(InputEvent(sec, usec, ecodes.EV_KEY, code, value))
        evs.append(InputEvent(sec, usec, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))
        clock[0] += per_key / 2

    for ch in text:
        code, shift = CHAR_TO_KEY[ch]
        if shift:
            key(ecodes.KEY_LEFTSHIFT, KEY_DOWN)
        key(code, KEY_DOWN)
        key(code, KEY_UP)
        if shift:
            key(ecodes.KEY_LEFTSHIFT, KEY_UP)
    if suffix is not None:
        key(suffix, KEY_DOWN)
        key(suffix, KEY_UP)
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


WECHAT = "134567890123456789"


def test_a_partial_code_left_without_enter_is_dropped_not_glued_to_the_next_scan() -> None:
    """``2876`` (the start of an Alipay code) then silence, then a whole WeChat code: one WeChat code."""
    keys = KeyTranslator()
    t0 = 1_700_000_000.0
    codes = run(typed("2876", at=t0, suffix=None) + typed(WECHAT, at=t0 + 2.0), keys)
    assert codes == [WECHAT] and keys.stale_dropped == 1
    assert classify(codes[0]) is CodeKind.WECHAT_PAY


def test_the_clock_drops_a_stale_partial_before_the_next_scan_starts() -> None:
    keys = KeyTranslator(idle_gap=0.3)
    t0 = 1_700_000_000.0
    assert run(typed("2876", at=t0, suffix=None), keys) == []
    assert keys.expire(t0 + 0.1) is None and keys.stale_dropped == 0   # still within the burst
    assert keys.expire(t0 + 1.0) is None and keys.stale_dropped == 1
    assert run(typed(WECHAT, at=t0 + 1.1), keys) == [WECHAT]


def test_a_code_typed_within_the_burst_is_kept_whole() -> None:
    """A slow scanner (20 ms a key) stays under the idle gap: nothing is dropped."""
    keys = KeyTranslator(idle_gap=0.3)
    assert run(typed(WECHAT, at=1_700_000_000.0, per_key=0.02), keys) == [WECHAT] and keys.stale_dropped == 0


def test_tab_suffix_ends_the_code_and_stays_out_of_it() -> None:
    keys = KeyTranslator(suffix=Suffix.TAB)
    assert run(typed(WECHAT, suffix=ecodes.KEY_TAB) + typed("APPT-365021", suffix=ecodes.KEY_TAB), keys) == [
        WECHAT, "APPT-365021"]
    enter_keys = KeyTranslator(suffix="enter")  # a stray Tab is never part of a code either
    assert run(typed("AB", suffix=ecodes.KEY_TAB, at=1.0) + typed("CD", at=1.01), enter_keys) == ["ABCD"]


def test_no_suffix_the_silence_ends_each_code() -> None:
    keys = KeyTranslator(suffix=Suffix.NONE, idle_gap=0.3)
    t0 = 1_700_000_000.0
    got = run(typed(WECHAT, at=t0, suffix=None) + typed("APPT-365021", at=t0 + 1.0, suffix=None), keys)
    assert got == [WECHAT]                    # the second code's first key showed the first one ended
    assert keys.expire(t0 + 1.05) is None     # the second is still coming
    assert keys.expire(t0 + 2.0) == "APPT-365021"
    assert keys.stale_dropped == 0


def test_key_codes_are_positions_read_with_the_us_table_whatever_the_desktop_layout(monkeypatch) -> None:
    """evdev sits below XKB: KEY_Q is the key left of W, which the scanner sends for "q" (its
    default US layout) even where the desktop is AZERTY (where that key would type "a")."""
    monkeypatch.setenv("XKB_DEFAULT_LAYOUT", "fr")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    expected = {ecodes.KEY_Q: ("q", "Q"), ecodes.KEY_A: ("a", "A"), ecodes.KEY_Z: ("z", "Z"),
                ecodes.KEY_W: ("w", "W"), ecodes.KEY_Y: ("y", "Y"), ecodes.KEY_M: ("m", "M"),
                ecodes.KEY_SEMICOLON: (";", ":"), ecodes.KEY_1: ("1", "!"), ecodes.KEY_0: ("0", ")"),
                ecodes.KEY_MINUS: ("-", "_"), ecodes.KEY_SLASH: ("/", "?"), ecodes.KEY_KP5: ("5", "5")}
    for code, pair in expected.items():
        assert US_LAYOUT[code] == pair
    seq = [(ecodes.KEY_Q, 1), (ecodes.KEY_W, 1), (ecodes.KEY_LEFTSHIFT, 1), (ecodes.KEY_Y, 1),
           (ecodes.KEY_LEFTSHIFT, 0), (ecodes.KEY_SEMICOLON, 1), (ecodes.KEY_ENTER, 1)]
    keys = KeyTranslator()
    assert [keys.feed(c, v) for c, v in seq][-1] == "qwY;"
