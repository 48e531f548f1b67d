"""A4 printing: the folder emulator, and the CUPS backend through the real lp/lpstat tools.

No cupsd runs in the test environment, so the CUPS backend is tested (a) against the
real client tools for its error paths and (b) against stand-in ``lp``/``lpstat``/``cancel``
executables that print exactly what CUPS 2.4 prints, to check parsing and state mapping.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from drivers.base import DeviceState, Event
from drivers.printer.a4 import A4JobState, CupsA4Printer, FolderA4Printer
from drivers.printer.errors import A4JobError, CupsUnavailable, QueueNotFound
from drivers.printer.events import PrintJobFinished


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text="Kiosk A4 test")
    path = tmp_path / "form.pdf"
    doc.output(str(path))
    return path


def test_folder_backend_writes_pdfs_and_reports_jobs(tmp_path: Path, pdf: Path) -> None:
    events: list[Event] = []
    a4 = FolderA4Printer(tmp_path / "a4", publish=events.append)
    job = a4.submit(pdf, "申请表")
    assert (tmp_path / "a4" / f"{job.job_id}.pdf").read_bytes() == pdf.read_bytes()
    assert a4.job_state(job.job_id) is A4JobState.COMPLETED
    assert a4.wait(job.job_id, timeout=1) is A4JobState.COMPLETED
    assert PrintJobFinished("a4printer", job_id=job.job_id, ok=True, reason="completed", at=events[-1].at) in events


def test_folder_backend_hold_cancel_and_offline(tmp_path: Path, pdf: Path) -> None:
    a4 = FolderA4Printer(tmp_path / "a4")
    a4.hold = True
    job = a4.submit(pdf)
    assert a4.job_state(job.job_id) is A4JobState.PENDING
    a4.cancel(job.job_id)
    assert a4.job_state(job.job_id) is A4JobState.CANCELLED
    with pytest.raises(A4JobError):
        a4.cancel(job.job_id)
    a4.set_status(DeviceState.OFFLINE)
    with pytest.raises(CupsUnavailable):
        a4.submit(pdf)


def test_not_a_pdf_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"hello")
    with pytest.raises(A4JobError) as err:
        FolderA4Printer(tmp_path).submit(bad)
    assert err.value.reason == "not_pdf"
    with pytest.raises(A4JobError):
        CupsA4Printer("q").submit(tmp_path / "missing.pdf")


def test_cups_tools_missing_is_typed_and_offline(pdf: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    a4 = CupsA4Printer("office")
    with pytest.raises(CupsUnavailable) as err:
        a4.submit(pdf)
    assert err.value.reason == "cups_missing"
    assert a4.status() is DeviceState.OFFLINE
    assert a4.tracker.detail == "cups_missing"


@pytest.mark.skipif(shutil.which("lp") is None, reason="cups-client not installed")
def test_real_lp_unknown_queue_or_no_scheduler(pdf: Path) -> None:
    """With the real client: an unknown queue (or no cupsd at all) is a typed error, state offline."""
    a4 = CupsA4Printer("kiosk-no-such-queue")
    with pytest.raises((QueueNotFound, CupsUnavailable)):
        a4.submit(pdf)
    assert a4.status() is DeviceState.OFFLINE
    assert a4.tracker.detail in ("queue_not_found", "cups_not_running")


FAKE_CUPS = r'''#!{python}
"""Stand-in for the CUPS 2.4 client tools: same messages, state in $FAKE_CUPS_DIR."""
import os, sys, json, pathlib
d = pathlib.Path(os.environ["FAKE_CUPS_DIR"]); state = d / "state.json"
s = json.loads(state.read_text()) if state.exists() else {{"next": 41, "jobs": {{}}}}
tool, args = pathlib.Path(sys.argv[0]).name, sys.argv[1:]
QUEUES = {{"office": "idle", "broken": "disabled"}}
def save(): state.write_text(json.dumps(s))
if tool == "lp":
    q = args[args.index("-d") + 1] if "-d" in args else None
    if q is None: print("lp: Error - No default destination.", file=sys.stderr); sys.exit(1)
    if q not in QUEUES: print("lp: Error - The printer or class does not exist.", file=sys.stderr); sys.exit(1)
    jid = f"{{q}}-{{s['next']}}"; s["next"] += 1; s["jobs"][jid] = "pending"; save()
    print(f"request id is {{jid}} (1 file(s))")
elif tool == "lpstat":
    if args[:1] == ["-d"]: print("no system default destination"); sys.exit(0)
    if args[:1] == ["-p"]:
        q = args[1]
        if q not in QUEUES: print(f'lpstat: Invalid destination name in list "{{q}}".', file=sys.stderr); sys.exit(1)
        print(f"printer {{q}} is idle.  enabled since Sun Nov 22 23:00:00 2026" if QUEUES[q] == "idle"
              else f"printer {{q}} disabled since Sun Nov 22 23:00:00 2026 -\n\tPaused")
        sys.exit(0)
    which = args[args.index("-W") + 1]
    for jid, st in s["jobs"].items():
        if (st == "pending") == (which == "not-completed"):
            print(f"{{jid:<20}} kiosk          1024   Sun Nov 22 23:59:00 2026")
elif tool == "cancel":
    jid = args[0]
    if s["jobs"].get(jid) != "pending": print(f"cancel: {{jid}}: not found", file=sys.stderr); sys.exit(1)
    s["jobs"][jid] = "cancelled"; save()
'''


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("lp", "lpstat", "cancel"):
        p = bin_dir / tool
        p.write_text(FAKE_CUPS.format(python=sys.executable))
        p.chmod(p.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CUPS_DIR", str(tmp_path))
    return tmp_path


def test_cups_submit_state_cancel(fake_cups: Path, pdf: Path) -> None:
    a4 = CupsA4Printer("office")
    job = a4.submit(pdf, "申请表")
    assert job.job_id == "office-41"
    assert a4.job_state(job.job_id) is A4JobState.PENDING
    a4.cancel(job.job_id)
    assert a4.job_state(job.job_id) is A4JobState.COMPLETED  # CUPS lists cancelled jobs as completed
    assert a4.job_state("office-999") is A4JobState.UNKNOWN
    with pytest.raises(A4JobError):
        a4.cancel("office-999")
    assert a4.status() is DeviceState.ONLINE


def test_cups_queue_errors(fake_cups: Path, pdf: Path) -> None:
    with pytest.raises(QueueNotFound) as err:
        CupsA4Printer("nope").submit(pdf)
    assert err.value.reason == "queue_not_found"
    with pytest.raises(QueueNotFound) as err:
        CupsA4Printer("").submit(pdf)
    assert err.value.reason == "no_default_queue"
    assert CupsA4Printer("").status() is DeviceState.OFFLINE
    assert CupsA4Printer("broken").status() is DeviceState.USER_ERROR


def test_from_config(tmp_path: Path) -> None:
    from drivers.printer.a4 import a4_from_config
    from drivers.printer.settings import A4PrinterSection

    assert isinstance(a4_from_config(A4PrinterSection(backend="emulator"), tmp_path), FolderA4Printer)
    cups = a4_from_config(A4PrinterSection(backend="cups", queue="office"), tmp_path)
    assert isinstance(cups, CupsA4Printer) and cups.queue == "office"
    assert a4_from_config(A4PrinterSection(backend="none"), tmp_path) is None
