"""Ending the kiosk process once it has stopped in order, without Python's interpreter teardown.

After ``Runtime.stop`` everything that holds data is closed: the journal and the ledger,
the outbox, the session folders (``atexit``), the log handlers. What may still be running
are daemon threads inside C++ extension code: the camera's capture (OpenCV), a QR decode
(zxing-cpp), a device that finished opening after the stop and is closing itself. When the
interpreter tears down, such a thread that asks for the GIL back is ended with
``pthread_exit``, whose forced unwind through OpenCV's C++ frames calls ``std::terminate``:
the process died with SIGABRT ("terminate called without an active exception") after a
clean stop, about one stop in three when a stop came while the camera was opening. Under
systemd that is a failed unit and a core dump for every restart.

``leave`` gives the device thread a bounded time to finish, runs what ``atexit`` holds
and flushes the logs and standard streams itself, then ends the process with
``os._exit``: nothing of the teardown that could abort remains.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable
from typing import NoReturn

THREADS_WAIT_S = 3.0
"""How long the threads named to ``leave`` (a device closing itself) get, together, before the process ends."""


def leave(code: int, wait_for: Iterable[threading.Thread | None] = (), wait_s: float = THREADS_WAIT_S) -> NoReturn:
    """End the process with ``code`` after the orderly stop, once ``wait_for`` ended or ``wait_s`` passed."""
    deadline = time.monotonic() + wait_s
    for thread in wait_for:
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    try:
        atexit._run_exitfuncs()  # the session folders' removal, the IME's private folder
    finally:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed or broken pipe must not keep the process alive
                pass
        os._exit(code)
