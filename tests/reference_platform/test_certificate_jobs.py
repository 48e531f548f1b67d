"""PDFs rendered in a worker process, started ahead and served once ready."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from reference_platform.certificate_jobs import PdfRenderer

from .test_certificate_files import _doc


def test_one_render_per_document_and_a_new_one_when_it_changes() -> None:
    renderer = PdfRenderer()
    try:
        doc = _doc("张*伟", "ABCD2345")
        first = renderer.start(doc)
        assert renderer.start(doc) is first
        assert asyncio.run(renderer.pdf(doc)).startswith(b"%PDF") and first.done()
        revoked = replace(doc, status_note="该证明已被出具机构撤销。")
        assert renderer.start(revoked) is not first
        assert asyncio.run(renderer.pdf(revoked)) != asyncio.run(renderer.pdf(doc))
    finally:
        renderer.close()
    with pytest.raises(RuntimeError):
        renderer.start(doc)


def test_the_worker_ends_when_the_server_is_killed() -> None:
    """A SIGKILLed platform (a power cut, the chaos harness, a test that never stops it) leaves no PDF worker."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = (
        "import asyncio, os, sys\n"
        "from reference_platform.certificate_jobs import PdfRenderer\n"
        "from tests.reference_platform.test_certificate_files import _doc\n"
        "r = PdfRenderer()\n"
        "asyncio.run(r.pdf(_doc('张*伟', 'ABCD2345')))\n"
        "print(*r._pool._processes, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    root = Path(__file__).resolve().parents[2]
    server = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(root)})
    assert server.returncode == -signal.SIGKILL, server.stderr
    [worker] = [int(pid) for pid in server.stdout.split()]
    deadline = time.monotonic() + 20
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = Path(f"/proc/{worker}").exists()
    if alive:
        os.kill(worker, signal.SIGKILL)
    assert not alive, "the PDF worker outlived its server"


def test_a_platform_in_a_daemonic_process_renders_on_a_thread(monkeypatch) -> None:
    """The chaos harness runs the platform as a daemonic process, which may not start a worker."""
    import multiprocessing

    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    renderer = PdfRenderer()
    try:
        assert asyncio.run(renderer.pdf(_doc("张*伟", "ABCD2345"))).startswith(b"%PDF")
    finally:
        renderer.close()


def test_a_download_given_up_does_not_cancel_the_render_others_wait_for() -> None:
    """A kiosk that goes away mid-download cancels its request; the PDF it waited for is shared (the listing
    started it, another download may wait for it) and must still be made."""
    renderer = PdfRenderer()
    docs = [_doc("张*伟", f"ABCD234{i}") for i in range(3)]
    try:
        jobs = [renderer.start(d) for d in docs]  # one worker: the last waits behind the first two

        async def give_up() -> None:
            download = asyncio.ensure_future(renderer.pdf(docs[-1]))
            await asyncio.sleep(0.05)
            download.cancel()
            with pytest.raises(asyncio.CancelledError):
                await download

        asyncio.run(give_up())
        assert not jobs[-1].cancelled()
        assert asyncio.run(renderer.pdf(docs[-1])).startswith(b"%PDF") and renderer.start(docs[-1]) is jobs[-1]
    finally:
        renderer.close()
