"""A4 printing: the folder emulator, and the CUPS backend through the real lp/lpstat tools.

The CUPS backend is tested (a) against a real cupsd of the test's own (its own
configuration in a temporary folder, listening on a domain socket) with a cups-pdf queue:
a certificate PDF printed, a queue paused as paper-out pauses it and resumed; (b) against
the real client tools for its error paths and (c) against stand-in ``lp``/``lpstat``/
``cancel`` executables that print exactly what CUPS 2.4 prints, for the rarer answers.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.base import DeviceState, DeviceStatusChanged, Event
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
            if "-l" in args:
                print("\tAlerts: none")
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


CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd")
CUPS_PDF_CONFIG_DIR = Path("/etc/cups")
"""cups-pdf reads its settings from here only (a path built into it): ``cups-pdf-QUEUE.conf``."""


@dataclass
class CupsServer:
    socket: str
    queue: str
    out: Path
    log: Path

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CUPS_SERVER": self.socket, "LC_ALL": "C"}
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30, check=False)

    def outputs(self) -> list[Path]:
        return sorted(self.out.glob("*.pdf"))


def _cupsd_files(root: Path, user: str, group: str, system_group: str) -> tuple[Path, Path]:
    for sub in ("etc/ppd", "spool/tmp", "cache", "state", "log", "out"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cupsd_conf = root / "etc" / "cupsd.conf"
    cupsd_conf.write_text(
        f"Listen {root}/cups.sock\nLogLevel debug\nWebInterface No\nBrowsing No\nDefaultAuthType None\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n    Allow all\n  </Limit>\n</Policy>\n")
    files_conf = root / "etc" / "cups-files.conf"
    files_conf.write_text(
        f"ServerRoot {root}/etc\nRequestRoot {root}/spool\nTempDir {root}/spool/tmp\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nAccessLog {root}/log/access_log\nErrorLog {root}/log/error_log\n"
        f"PageLog {root}/log/page_log\nSandboxing Relaxed\nUser {user}\nGroup {group}\n"
        f"SystemGroup {system_group}\n")
    return cupsd_conf, files_conf


@pytest.fixture(scope="module")
def cups() -> Iterator[CupsServer]:
    """A cupsd of this test's own with a cups-pdf queue writing into a temporary folder."""
    if not Path(CUPSD).exists() or not CUPS_PDF_PPD.exists() or shutil.which("lpadmin") is None:
        pytest.skip("cupsd cannot start: install cups and printer-driver-cups-pdf (scripts/bootstrap.sh does)")
    root = Path(tempfile.mkdtemp(prefix="kcups-"))  # short: a socket path has ~100 characters at most
    root.chmod(0o755)  # the filters run as an unprivileged user and read the spool below it
    if os.geteuid() == 0:  # cupsd runs filters as an unprivileged user, and its admins are root
        cupsd_conf, files_conf = _cupsd_files(root, "lp", "lp", "root")
    else:
        cupsd_conf, files_conf = _cupsd_files(root, os.environ.get("USER", "nobody"), "nogroup",
                                              str(os.getgid()))
    proc = subprocess.Popen([CUPSD, "-f", "-c", str(cupsd_conf), "-s", str(files_conf)],
                            stdout=subprocess.DEVNULL, stderr=(root / "log" / "cupsd.out").open("w"))
    queue = f"kiosk_test_{uuid.uuid4().hex[:8]}"
    server = CupsServer(f"{root}/cups.sock", queue, root / "out", root / "log")
    per_queue_conf = CUPS_PDF_CONFIG_DIR / f"cups-pdf-{queue}.conf"
    try:
        deadline = time.monotonic() + 15
        while "scheduler is running" not in server.run("lpstat", "-r").stdout:
            if proc.poll() is not None or time.monotonic() > deadline:
                why = (root / "log" / "cupsd.out").read_text(errors="replace").strip().splitlines()[-1:]
                pytest.skip(f"cupsd cannot start: {why[0] if why else 'no answer on its socket'}")
            time.sleep(0.1)
        server.out.chmod(0o777)
        try:
            per_queue_conf.write_text(f"Out {server.out}\nAnonDirName {server.out}\nUserUMask 0000\nLabel 0\n")
        except OSError:
            server.out = Path.home() / "PDF"  # cups-pdf's own default: Out ${HOME}/PDF
        added = server.run("lpadmin", "-p", queue, "-E", "-v", f"cups-pdf:/{queue}", "-P", str(CUPS_PDF_PPD))
        assert added.returncode == 0, added.stderr
        yield server
    finally:
        proc.terminate()
        proc.wait(10)
        per_queue_conf.unlink(missing_ok=True)
        Path(f"/var/log/cups/cups-pdf-{queue}_log").unlink(missing_ok=True)  # cups-pdf's own log of the queue
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def certificate_pdf(tmp_path: Path) -> Path:
    from reference_platform.certificate_files import CertificateDoc, render_pdf

    doc = CertificateDoc("无犯罪记录证明", "Certificate of No Criminal Record", "张三", "110105********002X",
                         [("证明事项", "Subject", "经查，无犯罪记录")], "某市公安局", "2026-12-05", "2027-06-05",
                         "ABCD-1234", "https://example.gov.cn/verify/ABCD-1234")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(render_pdf(doc))
    return path


def _wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.2)


def _pdf_info(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def test_real_cups_prints_a_certificate_into_a_cups_pdf_queue(cups: CupsServer, certificate_pdf: Path) -> None:
    events: list[Event] = []
    a4 = CupsA4Printer(cups.queue, server=cups.socket, publish=events.append)
    assert a4.status() is DeviceState.ONLINE and a4.tracker.detail == "idle"
    before = set(cups.outputs())
    job = a4.submit(certificate_pdf, "certificate-A4")
    assert job.job_id.startswith(f"{cups.queue}-")
    assert a4.wait(job.job_id, timeout=90, interval=0.3) is A4JobState.COMPLETED
    _wait_for(lambda: len(set(cups.outputs()) - before) == 1, what="the cups-pdf output")
    (out,) = set(cups.outputs()) - before
    assert out.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdfinfo"):  # poppler-utils, which cups-filters brings
        info = _pdf_info(out)
        assert re.search(r"^Pages:\s+1$", info, re.M) and "(A4)" in info and "certificate-A4" in info
    finished = [e for e in events if isinstance(e, PrintJobFinished)]
    assert [(e.job_id, e.ok, e.reason) for e in finished] == [(job.job_id, True, "completed")]


def test_real_cups_paper_out_pause_is_seen_and_the_job_prints_once_resumed(
        cups: CupsServer, certificate_pdf: Path) -> None:
    events: list[Event] = []
    a4 = CupsA4Printer(cups.queue, server=cups.socket, publish=events.append)
    before = set(cups.outputs())
    paused = cups.run("cupsdisable", "-r", "media-empty: out of paper", cups.queue)
    assert paused.returncode == 0, paused.stderr
    try:
        job = a4.submit(certificate_pdf, "certificate-paper-out")
        result: list[A4JobState] = []
        waiter = threading.Thread(target=lambda: result.append(a4.wait(job.job_id, timeout=120, interval=0.3)))
        waiter.start()
        _wait_for(lambda: a4.tracker.state is DeviceState.USER_ERROR, what="the kiosk seeing the paused queue")
        assert a4.tracker.detail == "queue_disabled"
        assert a4.job_state(job.job_id) is A4JobState.PENDING and not result
        assert set(cups.outputs()) == before  # nothing printed while paused
    finally:
        resumed = cups.run("cupsenable", cups.queue)
    assert resumed.returncode == 0, resumed.stderr
    waiter.join(150)
    assert result == [A4JobState.COMPLETED]
    _wait_for(lambda: len(set(cups.outputs()) - before) == 1, what="the cups-pdf output")
    time.sleep(1.0)  # a second copy would be written by now
    assert len(set(cups.outputs()) - before) == 1
    assert a4.tracker.state is DeviceState.ONLINE
    states = [e.state for e in events if isinstance(e, DeviceStatusChanged)]
    assert DeviceState.USER_ERROR in states and states[-1] is DeviceState.ONLINE
    finished = [e for e in events if isinstance(e, PrintJobFinished)]
    assert [(e.job_id, e.ok) for e in finished] == [(job.job_id, True)]


def test_real_cups_a_job_cups_stops_on_an_error_fails_at_once_and_is_cancelled(
        cups: CupsServer, tmp_path: Path) -> None:
    """A damaged PDF makes the filter fail: CUPS keeps the job listed, stopped; the kiosk says
    failed (not pending until its wait runs out) and cancels it so it never prints later."""
    broken = tmp_path / "damaged.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is no PDF body at all\n")
    events: list[Event] = []
    a4 = CupsA4Printer(cups.queue, server=cups.socket, publish=events.append)
    job = a4.submit(broken, "damaged")
    assert a4.wait(job.job_id, timeout=60, interval=0.3) is A4JobState.FAILED
    finished = [e for e in events if isinstance(e, PrintJobFinished)]
    assert [(e.job_id, e.ok, e.reason) for e in finished] == [(job.job_id, False, "failed")]
    assert job.job_id not in cups.run("lpstat", "-W", "not-completed", "-o", cups.queue).stdout
