"""platform_load's table: each side's median over its rounds, rounded as the figures are read."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def platform_load():
    spec = importlib.util.spec_from_file_location("platform_load", ROOT / "benchmarks" / "platform_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["platform_load"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_each_sides_median_over_its_rounds_is_rounded_to_the_microsecond() -> None:
    runs = {"bare": [{"cpu": 0.1}, {"cpu": 0.12345678}, {"cpu": 0.3}],
            "platform": [{"cpu": 0.9}, {"cpu": 0.8}]}
    assert platform_load().medians(runs, "cpu") == {"bare": 0.123, "platform": 0.85}
