"""Certificate PDFs rendered off the request path.

A PDF takes tens of milliseconds of CPU; rendered inside the request, in the server's process,
it holds the interpreter lock the event loop needs for every other kiosk's requests. So PDFs
are rendered in a worker process (which parses the CJK font once, when it starts), and the
rendering starts as soon as a citizen's certificates are listed or one is looked at: while the
citizen chooses, the PDF is made, and the kiosk's download (``GET .../pdf``) finds it ready, or
waits for it. Finished PDFs (masked holder data only) are kept in memory for ``KEEP_S``, at
most ``MAX_KEPT``; a certificate whose contents change (revoked, expired) is a new document.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from reference_platform.certificate_files import CertificateDoc, render_pdf, subset_font

log = logging.getLogger(__name__)

KEEP_S = 15 * 60
"""As long as a person session: the kiosk downloads the PDF during the visit that listed it."""
MAX_KEPT = 128
PREFETCH_PER_LIST = 8
"""At most this many PDFs started by one listing (a citizen with many certificates picks one)."""
RENDER_TIMEOUT_S = 60.0


ORPHAN_CHECK_S = 1.0


def _worker_start(parent: int) -> None:
    """Watch for the server's death, then parse the font.

    A worker holds both ends of its job queue, so it never sees the server go (a SIGKILL, a
    test that never stops its server) and would live on holding the font (~100 MB). The
    kernel's parent-death signal does not fit: it follows the *thread* that started the
    pool, and the server's worker threads come and go.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()
    subset_font()


def key_of(doc: CertificateDoc) -> str:
    return hashlib.sha256(repr(doc).encode()).hexdigest()


class PdfRenderer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: Executor | None = None
        self._jobs: OrderedDict[str, tuple[float, Future[bytes]]] = OrderedDict()
        self._closed = False

    def start(self, doc: CertificateDoc) -> Future[bytes]:
        """The PDF of ``doc``, being or already rendered."""
        key = key_of(doc)
        now = time.monotonic()
        with self._lock:
            self._forget_old(now)
            found = self._jobs.get(key)
            if found is not None:
                return found[1]
            job = self._executor().submit(render_pdf, doc)
            self._jobs[key] = (now, job)
            while len(self._jobs) > MAX_KEPT:
                self._jobs.popitem(last=False)
        return job

    def prefetch(self, docs: list[CertificateDoc]) -> None:
        for doc in docs[:PREFETCH_PER_LIST]:
            try:
                self.start(doc)
            except (RuntimeError, BrokenProcessPool) as exc:  # the download renders it then
                log.warning("certificate PDF not started ahead: %s", exc)

    async def pdf(self, doc: CertificateDoc) -> bytes:
        """Wait for (or make) the PDF of ``doc``; a render that failed is not kept, so a retry renders afresh.

        On the event loop: the download of a PDF made ahead (the usual case) is answered at once,
        with no hop to a worker thread and back, which cost the server more than the download
        itself; one still being made is awaited without holding a thread."""
        try:
            return await self._result(self.start(doc))
        except BrokenProcessPool:
            self._drop_broken_pool(doc)
            return await self._result(self.start(doc))
        except Exception:
            self._forget(doc)
            raise

    @staticmethod
    async def _result(job: Future[bytes]) -> bytes:
        if job.done():
            return job.result()
        # shielded: a download given up (timeout, the kiosk gone) must not cancel the job other downloads share
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(job)), RENDER_TIMEOUT_S)

    def _drop_broken_pool(self, doc: CertificateDoc) -> None:
        log.error("the PDF worker process died; starting another")
        with self._lock:
            self._jobs.pop(key_of(doc), None)
            broken, self._pool = self._pool, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)

    def _forget(self, doc: CertificateDoc) -> None:
        with self._lock:
            self._jobs.pop(key_of(doc), None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            self._jobs.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _executor(self) -> Executor:
        if self._closed:
            raise RuntimeError("the PDF renderer is closed")
        if self._pool is None:
            if multiprocessing.current_process().daemon:
                # A platform run inside a daemonic process (the chaos harness's) may not start
                # children: render on a thread instead, holding the interpreter a little longer.
                log.warning("certificate PDFs rendered on a thread: this process may not start a worker")
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="pdf", initializer=subset_font)
            else:
                # spawn, not fork: the server has threads and open SQLite connections a fork would copy
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_worker_start, initargs=(os.getpid(),))
        return self._pool

    def _forget_old(self, now: float) -> None:
        while self._jobs:
            started, job = next(iter(self._jobs.values()))
            if now - started <= KEEP_S or not job.done():
                break
            self._jobs.popitem(last=False)
