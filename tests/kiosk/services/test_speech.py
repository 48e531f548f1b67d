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


def test_switched_off_is_silent():
    assert isinstance(make_engine(False, "espeak-ng"), SilentEngine)
    assert isinstance(make_engine(True, "none"), SilentEngine)
