"""``kiosk demo --headless``: every scripted journey through the real screens, with evidence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.demo_script import VISITS

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.ui
def test_every_journey_completes_through_the_screens(tmp_path) -> None:
    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "KIVY_HOME")}
    res = subprocess.run([sys.executable, "-m", "kiosk", "demo", "--headless", "--out", str(out)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    failed = [(j["name"], j["detail"]) for j in summary["journeys"] if j["outcome"] != "ok"]
    assert not failed and res.returncode == 0, (failed, res.stderr[-2000:])
    assert [j["name"] for j in summary["journeys"]] == [v.name for v in VISITS]
    for journey, visit in zip(summary["journeys"], VISITS, strict=True):
        assert visit.expect in journey["screens"]
        for shot in journey["screenshots"]:
            assert (out / shot).stat().st_size > 10_000  # a rendered screen, not an empty frame
    prints = summary["prints"]
    assert sum(p.startswith("prints/thermal-") for p in prints) >= 5  # query, apply, pay, certificate, tickets
    assert summary["longest_frame_ms"] > 0
