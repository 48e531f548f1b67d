"""A visit's data lives in one place and goes with one wipe; its temp folders belong to
their process, so a start-up removes a crashed run's folders and nobody else's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.visit import Identity, SessionHolder, remove_stale_visit_dirs, visit_dirs
from tests.kiosk.journeys.harness import Kiosk

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import os, sys
from kiosk.visit import SessionHolder
tmp = SessionHolder().start().tmp_dir()
(tmp / "photo.jpg").write_bytes(b"personal")
print(tmp, flush=True)
if sys.argv[1] == "crash":
    os._exit(1)
sys.stdin.read()
"""


def _identity():
    return Identity("id_card", "tok", "11010519491231002X", "王小明", "110105********002X", "王*明")


def test_end_wipes_memory_and_temp_files():
    holder = SessionHolder()
    visit = holder.start()
    visit.identity = _identity()
    visit.form_values["phone"] = "13812341234"
    visit.photos["material"] = bytearray(b"jpegdata")
    photo = visit.photos["material"]
    tmp = visit.tmp_dir()
    (tmp / "preview.jpg").write_bytes(b"jpegdata")
    holder.end()
    assert holder.visit is None
    assert visit.identity is None and not visit.form_values and not visit.photos
    assert photo == bytearray(len(photo))  # zeroed in place, not just dropped
    assert not tmp.exists()


def test_starting_a_visit_wipes_the_previous_one():
    holder = SessionHolder()
    first = holder.start()
    first.identity = _identity()
    holder.start(language="en")
    assert first.identity is None and holder.visit.language == "en"


def child_with_a_visit(how: str) -> tuple[subprocess.Popen[str], Path]:
    """Another kiosk process, holding a visit folder with a photo in it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, how], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout is not None
    tmp = Path(proc.stdout.readline().strip())
    assert (tmp / "photo.jpg").exists()
    return proc, tmp


def test_a_crashed_processs_visit_folders_are_removed() -> None:
    proc, tmp = child_with_a_visit("crash")
    assert proc.wait(timeout=30) == 1
    assert tmp.exists()  # nobody wiped it: the process died
    assert remove_stale_visit_dirs() >= 1
    assert not tmp.exists() and not tmp.parent.exists()


def test_a_live_processs_visit_folder_is_left_alone(tmp_path: Path) -> None:
    proc, tmp = child_with_a_visit("live")
    try:
        second = Kiosk(tmp_path)  # a second kiosk starting on the same machine
        second.close()
        remove_stale_visit_dirs()
        assert (tmp / "photo.jpg").exists()
    finally:
        proc.communicate("", timeout=30)
    assert proc.returncode == 0
    assert not tmp.parent.exists()  # a clean exit takes its parent folder along


def test_a_second_runtime_keeps_the_first_ones_live_visit(tmp_path: Path) -> None:
    first = Kiosk(tmp_path / "first")
    try:
        first.act("start")
        first.wait("home")
        tmp = first.controller.sessions.visit.tmp_dir()
        (tmp / "preview.png").write_bytes(b"personal")
        second = Kiosk(tmp_path / "second")
        second.close()
        assert (tmp / "preview.png").exists()
        assert tmp in visit_dirs()
    finally:
        first.close()
    assert not tmp.exists() and tmp not in visit_dirs()
