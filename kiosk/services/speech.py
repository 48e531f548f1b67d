"""Spoken prompts for citizens who can't read the screen well, through a pluggable engine.

Speech must never hold up the UI and a new prompt must cut off a stale one (a citizen
who already tapped on shouldn't hear the previous screen's instructions), so each
engine speaks from its own worker thread and ``say`` only replaces the pending text.
espeak-ng is the offline default (Mandarin voice ``cmn``); sites with a better
licensed engine plug theirs in behind the same two methods.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from typing import Protocol

from kiosk.privacy import scrub

log = logging.getLogger(__name__)

VOICES = {"zh_CN": "cmn", "en": "en", "zh_TW": "cmn"}
WORDS_PER_MINUTE = 160
SLOW_WORDS_PER_MINUTE = 115
"""Elder mode's rate: older listeners follow a slower voice better (espeak-ng's default is 175)."""


class SpeechEngine(Protocol):
    def say(self, text: str, language: str, slow: bool = False) -> None: ...

    def stop(self) -> None: ...


class SilentEngine:
    """Used when speech is switched off in the config or by the citizen."""

    def say(self, text: str, language: str, slow: bool = False) -> None:
        return None

    def stop(self) -> None:
        return None


class EspeakEngine:
    def __init__(self, binary: str = "espeak-ng", extra_args: tuple[str, ...] = ()) -> None:
        found = shutil.which(binary)
        if not found:
            raise FileNotFoundError(f"{binary} is not installed")
        self.binary = found
        self.extra_args = extra_args
        self._cond = threading.Condition()
        self._pending: tuple[str, str, bool] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    def say(self, text: str, language: str, slow: bool = False) -> None:
        """Speak ``text`` (replacing anything still pending); ``slow`` in elder mode."""
        with self._cond:
            self._pending = (text, language, slow)
            self._interrupt()
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._pending = None
            self._interrupt()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._interrupt()
            self._cond.notify()
        self._thread.join(2)

    def _interrupt(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                text, language, slow = self._pending  # type: ignore[misc]
                self._pending = None
                voice = VOICES.get(language, "cmn")
                rate = str(SLOW_WORDS_PER_MINUTE if slow else WORDS_PER_MINUTE)
                try:
                    self._proc = subprocess.Popen(
                        [self.binary, "-v", voice, "-s", rate, *self.extra_args, "--", text],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    )
                except OSError as exc:
                    log.error("speech engine failed to start: %s", exc)
                    continue
                proc = self._proc
            proc.wait()
            if proc.returncode not in (0, -15):
                log.warning("speech engine exited with %s for %r", proc.returncode, scrub(text[:40]))


def make_engine(enabled: bool, engine: str) -> SpeechEngine:
    if not enabled or engine == "none":
        return SilentEngine()
    try:
        return EspeakEngine()
    except FileNotFoundError as exc:
        log.warning("speech disabled: %s", exc)
        return SilentEngine()
