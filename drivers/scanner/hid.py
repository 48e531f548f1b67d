"""USB HID keyboard-mode (KBW) scanner read through evdev (docs/devices-scanner-camera.md).

The scanner "types" the code and presses Enter. The device is grabbed exclusively
(EVIOCGRAB) so the keystrokes never also reach Kivy/X11 as typing. ``KeyTranslator``
is the pure part: evdev key codes and key states in, finished codes out, with Shift
handled for a US layout (the layout scanners default to; payment codes are digits
anyway). A vanished device means ``offline`` and a reconnect loop with ``Backoff``.
"""

from __future__ import annotations

import logging
import select

from evdev import InputDevice, InputEvent, ecodes

from drivers.base import Backoff, DeviceState, Publish
from drivers.reader import ReaderThread
from drivers.scanner.events import CodeScanned

log = logging.getLogger(__name__)

KEY_UP, KEY_DOWN, KEY_HOLD = 0, 1, 2
SHIFTS = frozenset({ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT})
ENTERS = frozenset({ecodes.KEY_ENTER, ecodes.KEY_KPENTER})


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
        "COMMA": (",", "<"), "DOT": (".", ">"), "SLASH": ("/", "?"), "SPACE": (" ", " "), "TAB": ("\t", "\t"),
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
    """Feed (key code, key state) pairs; ``feed`` returns a finished code on Enter, else None.

    Key releases and unknown keys are ignored (a scanner may send Caps Lock or Ctrl for
    configuration); ``max_len`` bounds a line that never ends, like the serial decoder.
    """

    def __init__(self, max_len: int = 4096) -> None:
        self.max_len = max_len
        self._shift_down: set[int] = set()
        self._buf: list[str] = []
        self._discarding = False  # an overlong line: skip to the next Enter, then resync
        self.overflowed = 0

    def reset(self) -> None:
        self._shift_down.clear()
        self._buf.clear()
        self._discarding = False

    def feed(self, code: int, state: int) -> str | None:
        if code in SHIFTS:
            if state == KEY_UP:
                self._shift_down.discard(code)
            else:
                self._shift_down.add(code)
            return None
        if state not in (KEY_DOWN, KEY_HOLD):
            return None
        if code in ENTERS:
            text = "".join(self._buf)
            self._buf.clear()
            self._discarding = False
            return text or None
        pair = US_LAYOUT.get(code)
        if pair is None or self._discarding:
            return None
        if len(self._buf) >= self.max_len:
            self._buf.clear()
            self._discarding = True
            self.overflowed += 1
            return None
        self._buf.append(pair[1] if self._shift_down else pair[0])
        return None

    def feed_event(self, event: InputEvent) -> str | None:
        if event.type != ecodes.EV_KEY:
            return None
        return self.feed(event.code, event.value)


class HidScanner(ReaderThread[InputDevice]):
    """``HidScanner("scanner", "/dev/kiosk/scanner-hid", publish).start()`` ... ``.stop()``."""

    THREAD = "scanner-hid"
    MISSING = "device missing"
    LOST = "device lost"

    def __init__(self, device: str, path: str, publish: Publish, backoff: Backoff | None = None) -> None:
        super().__init__(device, publish, backoff or Backoff(first=0.2, ceiling=5.0))
        self.path = path

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
        keys = KeyTranslator()
        while not self._stop.is_set():
            ready, _, _ = select.select([dev.fd], [], [], 0.1)
            if not ready:
                continue
            for event in dev.read():
                text = keys.feed_event(event)
                if text:
                    scanned = CodeScanned(self.device, text, "hid")
                    log.info("scanner %s: code %s", self.device, scanned.masked_text)
                    self._publish(scanned)
