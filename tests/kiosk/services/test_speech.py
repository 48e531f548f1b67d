import shutil
import time
from pathlib import Path

import pytest

from kiosk.services.speech import EspeakEngine, SilentEngine, make_engine

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is installed by bootstrap")


def _wait_for(path: Path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 1000:
            return True
        time.sleep(0.05)
    return False


def test_mandarin_prompt_is_spoken_to_a_wave_file(tmp_path):
    wav = tmp_path / "prompt.wav"
    engine = EspeakEngine(extra_args=("-w", str(wav)))
    try:
        engine.say("请将身份证放在读卡区", "zh_CN")
        assert _wait_for(wav)
    finally:
        engine.close()
    assert wav.read_bytes()[:4] == b"RIFF"


def test_elder_mode_speaks_the_same_prompt_more_slowly(tmp_path):
    """The slow voice takes longer for the same words: the wave file is longer."""
    sizes = {}
    for slow in (False, True):
        wav = tmp_path / f"prompt-{slow}.wav"
        engine = EspeakEngine(extra_args=("-w", str(wav)))
        try:
            engine.say("请将身份证放在读卡区，然后按继续", "zh_CN", slow=slow)
            assert _wait_for(wav)
            time.sleep(0.5)  # the file is complete once espeak-ng has exited
        finally:
            engine.close()
        sizes[slow] = wav.stat().st_size
    assert sizes[True] > sizes[False] * 1.2, sizes


def test_switched_off_is_silent():
    assert isinstance(make_engine(False, "espeak-ng"), SilentEngine)
    assert isinstance(make_engine(True, "none"), SilentEngine)
