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


@pytest.mark.ui
@pytest.mark.parametrize("size", ["1920x1080", "800x480"])
def test_demo_draws_the_window_shape_asked_for(tmp_path, size) -> None:
    """``--size``: a landscape wall panel and a small desk unit get their own layout, whole."""
    from PIL import Image

    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "KIVY_HOME")}
    res = subprocess.run([sys.executable, "-m", "kiosk", "demo", "--headless", "--size", size, "--out", str(out),
                          "--only", "guide_without_identity"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["ok"] and res.returncode == 0, res.stderr[-2000:]
    shots = summary["journeys"][0]["screenshots"]
    assert any("-home" in s for s in shots)
    width, height = (int(v) for v in size.split("x"))
    for shot in shots:
        assert Image.open(out / shot).size == (width, height)
