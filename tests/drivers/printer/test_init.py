"""python-escpos keeps its parsed capabilities file between starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_escpos_capabilities_are_cached_in_a_lasting_folder(tmp_path: Path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    code = "import drivers.printer.thermal"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    assert [p.name for p in (tmp_path / "python-escpos").iterdir()] == [f"{sys.version.split()[0]}.capabilities.pickle"]
