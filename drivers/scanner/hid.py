"""USB HID keyboard-mode (KBW) scanner read through evdev (docs/devices-scanner-camera.md).

The scanner "types" the code and presses its suffix key (Enter by default, Tab, or none).
The device is grabbed exclusively (EVIOCGRAB) so the keystrokes never also reach Kivy/X11
as typing. ``KeyTranslator`` is the pure part: evdev key codes, key states and the kernel's
time stamps in, finished codes out.

Keyboard layout: evdev key codes name physical key positions (the HID usage the scanner
sends), read below XKB, so the desktop's keyboard layout (AZERTY, QWERTZ, Dvorak) never
changes a code. The codes are turned into characters with the US table, which is the layout
a scanner types in unless it was reprogrammed (payment codes are digits anyway).

Timing: a scanner types a whole code in one burst. A partial code followed by silence
(``idle_gap`` seconds by the event time stamps) is stale: with a suffix key it is dropped
(it was a scan cut short, and gluing it to the next code turns a WeChat code into an Alipay
one); with ``suffix = "none"`` the silence is what ends a code.
A vanished device means ``offline`` and a reconnect loop with ``Backoff``.
"""

from __future__ import annotations

import enum
import logging
import select
import time

from evdev import InputDevice, InputEvent, ecodes

from drivers.base import Backoff, DeviceState, Publish
from drivers.reader import ReaderThread
from drivers.scanner.events import CodeScanned

log = logging.getLogger(__name__)

KEY_UP, KEY_DOWN, KEY_HOLD = 0, 1, 2
SHIFTS = frozenset({ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT})
ENTERS = frozenset({ecodes.KEY_ENTER, ecodes.KEY_KPENTER})
CONTROL_KEYS = ENTERS | {ecodes.KEY_TAB}
"""Keys that end a code when configured as the suffix and are never part of one."""


class Suffix(enum.StrEnum):
    """The key a HID scanner presses after each code (its "suffix" setting)."""

    ENTER = "enter"
    TAB = "tab"
    NONE = "none"


TERMINATORS = {Suffix.ENTER: ENTERS, Suffix.TAB: frozenset({ecodes.KEY_TAB}), Suffix.NONE: frozenset()}
DEFAULT_IDLE_GAP_S = 0.3


def _us_layout() -> dict[int, tuple[str, str]]:
    """evdev key code -> (unshifted, shifted) character on a US keyboard."""
    table: dict[int, tuple[str, str]] = {}
    for ch in "abcdefghijklmnopqrstuvwxyz":
        table[getattr(ecodes, f"KEY_{ch.upper()}")] = (ch, ch.upper())
    for digit, shifted in zip("1234567890", "!@#$%^&*()", strict=True):
        table[getattr(ecodes, f"KEY_{digit}")] = (digit, shifted)
    punct = {
        "MINUS": ("-", "_"), "EQUAL": ("=", "+"), "LEFTBRACE": ("[", "{"), "RIGHTBRACE": ("]", "}"),
        "BACKSLASH": ("\\", "|"), "SEMICOLON": (";", ":"), "APOSTROPHE": ("'", '"'), "GRAVE": ("`", "~"),
        "COMMA": (",", "<"), "DOT": (".", ">"), "SLASH": ("/", "?"), "SPACE": (" ", " "),
    }
    for name, pair in punct.items():
        table[getattr(ecodes, f"KEY_{name}")] = pair
    for i in range(10):
        table[getattr(ecodes, f"KEY_KP{i}")] = (str(i), str(i))
    table[ecodes.KEY_KPMINUS] = ("-", "-")
    table[ecodes.KEY_KPPLUS] = ("+", "+")
    table[ecodes.KEY_KPDOT] = (".", ".")
    table[ecodes.KEY_KPASTERISK] = ("*", "*")
    table[ecodes.KEY_KPSLASH] = ("/", "/")
    return table


US_LAYOUT = _us_layout()
CHAR_TO_KEY: dict[str, tuple[int, bool]] = {}
"""Reverse map for emulators typing text: char -> (key code, needs shift)."""
for _code, (_plain, _shifted) in US_LAYOUT.items():
    if _code not in range(ecodes.KEY_KP7, ecodes.KEY_KPDOT + 1) and _code not in (ecodes.KEY_KPSLASH,
                                                                                  ecodes.KEY_KPASTERISK):
        CHAR_TO_KEY.setdefault(_plain, (_code, False))
        CHAR_TO_KEY.setdefault(_shifted, (_code, True))


class KeyTranslator:
    """Feed (key code, key state, time stamp); ``feed`` returns a finished code, else None.

    A code ends at the ``suffix`` key, which is never part of it (nor is Tab or Enter when it
    is not the suffix); with ``Suffix.NONE`` it ends after ``idle_gap`` seconds of silence.
    ``expire(now)`` is the clock side of the idle gap, called when no key came for a while.
    Key releases and unknown keys are ignored (a scanner may send Caps Lock or Ctrl for
    configuration); ``max_len`` bounds a line that never ends, like the serial decoder.
    ``stale_dropped`` counts partial codes dropped after a silence.
    """

    def __init__(self, max_len: int = 4096, suffix: Suffix | str = Suffix.ENTER,
                 idle_gap: float = DEFAULT_IDLE_GAP_S) -> None:
        self.max_len = max_len
        self.suffix = Suffix(suffix)
        self.idle_gap = idle_gap
        self._shift_down: set[int] = set()
        self._buf: list[str] = []
        self._last: float | None = None  # time stamp of the last key pressed into the buffer
        self._discarding = False  # an overlong line: skip to the next suffix, then resync
        self.overflowed = 0
        self.stale_dropped = 0

    def reset(self) -> None:
        self._shift_down.clear()
        self._buf.clear()
        self._discarding = False
        self._last = None

    def expire(self, now: float) -> str | None:
        """Silence since the last key: the code (suffix "none") or nothing (a stale partial, dropped)."""
        if self._last is None or now - self._last <= self.idle_gap:
            return None
        self._last = None
        self._discarding = False
        if not self._buf:
            return None
        text = "".join(self._buf)
        self._buf.clear()
        if self.suffix is Suffix.NONE:
            return text
        self.stale_dropped += 1
        return None

    def feed(self, code: int, state: int, at: float | None = None) -> str | None:
        if code in SHIFTS:
            if state == KEY_UP:
                self._shift_down.discard(code)
            else:
                self._shift_down.add(code)
            return None
        if state not in (KEY_DOWN, KEY_HOLD):
            return None
        finished = self.expire(at) if at is not None else None
        if code in TERMINATORS[self.suffix]:
            text = "".join(self._buf)
            self._buf.clear()
            self._discarding = False
            self._last = None
            return text or None
        pair = US_LAYOUT.get(code)
        if pair is None or code in CONTROL_KEYS or self._discarding:
            return finished
        if len(self._buf) >= self.max_len:
            self._buf.clear()
            self._discarding = True
            self.overflowed += 1
            return finished
        self._buf.append(pair[1] if self._shift_down else pair[0])
        self._last = at
        return finished

    def feed_event(self, event: InputEvent) -> str | None:
        """One evdev event, timed by the kernel's stamp on it."""
        if event.type != ecodes.EV_KEY:
            return None
        return self.feed(event.code, event.value, event.timestamp())


class HidScanner(ReaderThread[InputDevice]):
    """``HidScanner("scanner", "/dev/kiosk/scanner-hid", publish).start()`` ... ``.stop()``."""

    THREAD = "scanner-hid"
    MISSING = "device missing"
    LOST = "device lost"

    def __init__(self, device: str, path: str, publish: Publish, backoff: Backoff | None = None,
                 suffix: Suffix | str = Suffix.ENTER, idle_gap: float = DEFAULT_IDLE_GAP_S) -> None:
        super().__init__(device, publish, backoff or Backoff(first=0.2, ceiling=5.0))
        self.path = path
        self.suffix, self.idle_gap = Suffix(suffix), idle_gap

    def _open(self) -> InputDevice:
        return InputDevice(self.path)

    def _close(self, dev: InputDevice) -> None:
        try:
            dev.ungrab()
        except OSError:
            log.debug("ungrab failed", exc_info=True)
        dev.close()

    def _serve(self, dev: InputDevice) -> None:
        dev.grab()
        self._backoff.reset()
        self.status.set(DeviceState.ONLINE)
        keys = KeyTranslator(suffix=self.suffix, idle_gap=self.idle_gap)
        while not self._stop.is_set():
            ready, _, _ = select.select([dev.fd], [], [], min(0.1, self.idle_gap / 2))
            # evdev stamps events with CLOCK_REALTIME, so the silence is measured on that clock
            texts = [keys.feed_event(event) for event in dev.read()] if ready else [keys.expire(time.time())]
            for text in texts:
                if text:
                    scanned = CodeScanned(self.device, text, "hid")
                    log.info("scanner %s: code %s", self.device, scanned.masked_text)
                    self._publish(scanned)
