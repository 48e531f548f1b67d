"""benchmarks/run.py: one table, and with --save each benchmark's whole result beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_save_keeps_each_benchmarks_whole_result(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", "certificate_raster",
                           "--save", str(tmp_path / "results")], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode in (0, 1), done.stderr[-1500:]
    table = json.loads(done.stdout)["table"]
    saved = json.loads((tmp_path / "results" / "certificate_raster.json").read_text("utf-8"))
    assert [r["figure"] for r in saved["table"]] == [r["figure"] for r in table]
    assert set(saved) - {"table"}  # more than the table: what the run printed besides it
