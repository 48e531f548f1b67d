"""The camera in a child process: the kiosk's UI process gets pictures, codes and the camera's state, never frames.

A 1280x720 camera frame is 2.7 MB, ten of them a second; finding a page in one and
encoding it allocates several times that, and OpenCV itself is ~16 MB of code and data
once loaded. In the UI process that is memory the long-running window keeps, fragments and
counts against its budget (docs/performance.md) although no screen draws a frame. So the
capture thread, the emulator's scenes, page finding, test pictures and QR decoding run in
``python -m drivers.camera.camera_worker``, and ``CameraProcess`` stands in for the camera
here: ``document_shot`` and ``snapshot`` return encoded pictures (``drivers.camera.results``),
``decode_next`` the texts of QR codes, ``face_check`` runs the face step there (the child
loads the face models) and sends previews, ``status`` follows the capture thread's
reports. ``latest``/``wait_next`` still hand out frames (tools, tests; NumPy is imported
for them only then); no journey asks for one.

Every call is blocking and made from a worker thread (``ctx.run``), as the in-process
camera's were, so the UI never waits for it. A supervisor thread starts the child, asks
for the camera's state every ``POLL_S`` and starts a new child when one dies or hangs
past its call's timeout (``Backoff`` between attempts); a call that meets a dead child
is retried once on a new one. The child ends when the parent's end of its socket closes
(the parent exited or was killed: no orphan).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
from typing import TYPE_CHECKING, Any

from drivers.base import Backoff, DeviceState, Publish
from drivers.camera.channel import Channel as _Channel
from drivers.camera.results import (
    DocumentShot,
    FaceCancelled,
    FaceProgress,
    FaceShot,
    FaceTimedOut,
    NoFrame,
    Snapshot,
    Turn,
)
from drivers.reader import DeviceThread

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from drivers.camera.camera import Frame

log = logging.getLogger(__name__)

START_TIMEOUT_S = 60.0
"""Importing OpenCV and opening the source: a second here, several on a small CPU under load."""
CALL_TIMEOUT_S = 20.0
"""A shot or a decode takes tens to hundreds of ms; this long (beyond the call's own wait) means the child hangs."""
SLOW_CALL_TIMEOUT_S = 90.0
"""``present_face`` may load the face models and render a clip the first time."""
POLL_S = 0.5
PROGRESS_WAIT_S = 0.25
"""How often a long call (the face step) looks whether it was called off while waiting for the child."""
_ERRORS: dict[str, type[Exception]] = {e.__name__: e for e in (NoFrame, FaceTimedOut, FaceCancelled)}
"""The child's failures that are the call's own answer, raised as such here."""


class CameraProcessError(RuntimeError):
    """The camera's process failed twice in a row for one call (it is being started again)."""


class CameraProcessStartError(CameraProcessError):
    """The child could not set the camera up at all (a broken install, a source that cannot be read)."""


class CameraProcess(DeviceThread):
    """``CameraProcess("camera", settings, publish).start()``; thread-safe, one call at a time.

    Its thread supervises the child process: starts it, asks its status every ``poll_s`` and
    publishes it, starts it again after a crash (``Backoff``).
    """

    THREAD = "process"
    JOIN_S = 5.0

    def __init__(self, device: str, settings: dict[str, Any], publish: Publish, *,
                 backoff: Backoff | None = None, start_timeout_s: float = START_TIMEOUT_S,
                 call_timeout_s: float = CALL_TIMEOUT_S, poll_s: float = POLL_S) -> None:
        super().__init__(device, publish)
        self.settings = dict(settings, name=device)
        self._backoff = backoff or Backoff(first=0.5, ceiling=10.0)
        self._start_timeout_s = start_timeout_s
        self._call_timeout_s = call_timeout_s
        self._poll_s = poll_s
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._conn: _Channel | None = None
        self.starts = 0
        """Children started so far (a restart after a crash counts): for the tests."""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    # -- life -------------------------------------------------------------------------------
    def stop(self) -> None:
        """End the child (a call waiting on it ends with ``CameraProcessError``), then the thread."""
        self._stop.set()
        with self._lock:
            self._kill()
        super().stop()

    def _run(self) -> None:
        """Keep a child running and its state published; a failed start waits ``Backoff`` before the next."""
        while not self._stop.is_set():
            try:
                self._call("status", (), retry=False)
            except CameraProcessError as exc:
                if self._stop.is_set():
                    break
                broken = isinstance(exc, CameraProcessStartError) or isinstance(exc.__cause__, CameraProcessStartError)
                self.status.set(DeviceState.HARDWARE_ERROR if broken else DeviceState.OFFLINE,
                                detail=f"camera process: {exc}"[:200])
                self._stop.wait(self._backoff.next_delay())
                continue
            self._backoff.reset()
            self._stop.wait(self._poll_s)

    # -- what the kiosk asks ------------------------------------------------------------------
    def document_shot(self, wait_s: float) -> DocumentShot:
        """A material photo from a frame taken after this call (``NoFrame`` if none came in ``wait_s``)."""
        return self._call("document_shot", (wait_s,), wait_s=wait_s)

    def snapshot(self, wait_s: float, side: int) -> Snapshot | None:
        """A fresh frame as a PNG at most ``side`` pixels long (None: no frame in ``wait_s``)."""
        return self._call("snapshot", (wait_s, side), wait_s=wait_s)

    def decode_next(self, after_seq: int, timeout: float, profile: str = "fast") -> tuple[int, list[str]]:
        """The QR codes' texts in the first frame after ``after_seq``, and that frame's seq."""
        return self._call("decode_next", (after_seq, timeout, profile), wait_s=timeout)

    def face_check(self, turn: Turn | None, timeout_s: float, cancelled: Callable[[], bool],
                   progress: Callable[[FaceProgress], None]) -> FaceShot:
        """The face step, run in the camera's process: ``progress`` gets a preview a few times a second;
        ``cancelled()`` true ends it (``FaceCancelled``); ``FaceTimedOut`` after ``timeout_s``."""
        return self._call("face_check", (turn.value if turn else None, timeout_s), wait_s=timeout_s,
                          progress=progress, cancelled=cancelled)

    def latest(self) -> Frame | None:
        return self._call("latest", ())

    def wait_next(self, after_seq: int, timeout: float) -> Frame | None:
        return self._call("wait_next", (after_seq, timeout), wait_s=timeout)

    # -- the call -----------------------------------------------------------------------------
    def _call(self, op: str, args: tuple, wait_s: float = 0.0, timeout_s: float | None = None,
              retry: bool = True, progress: Callable[[Any], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> Any:
        timeout = (timeout_s or self._call_timeout_s) + wait_s
        with self._lock:
            failure: BaseException | None = None
            for _attempt in range(2 if retry else 1):
                if self._stop.is_set():
                    raise CameraProcessError("the camera is stopped")
                try:
                    if self.pid is None:
                        self._spawn()
                    assert self._conn is not None
                    self._conn.send((op, args), timeout)
                    ok, value, status = self._reply(timeout, progress, cancelled)
                except (EOFError, OSError, ValueError, pickle.UnpicklingError, CameraProcessError) as exc:
                    log.warning("camera process (pid %s) failed on %s: %s; starting another", self.pid, op, exc)
                    failure = exc
                    self._kill()
                    continue
                self._report(status)
                if not ok:
                    kind, message = value
                    raise _ERRORS[kind](message) if kind in _ERRORS else RuntimeError(f"{op}: {kind}: {message}")
                return value
            raise CameraProcessError(f"{op} failed: {failure}") from failure

    def _reply(self, timeout: float, progress: Callable[[Any], None] | None,
               cancelled: Callable[[], bool] | None) -> tuple[bool, Any, tuple[str, str]]:
        """The call's reply; ``("progress", x)`` messages before it go to ``progress``, and ``cancelled()``
        turning true sends the child ``("cancel", ())`` once (the reply still follows). Silence for
        ``timeout`` (the call's own timeout) or ``CALL_TIMEOUT_S`` between progress messages means a hang."""
        conn = self._conn
        assert conn is not None
        sent_cancel = False

        def call_off() -> None:
            nonlocal sent_cancel
            if cancelled is not None and not sent_cancel and cancelled():
                conn.send(("cancel", ()), self._call_timeout_s)
                sent_cancel = True

        while True:
            if cancelled is not None:
                quiet_for = 0.0
                while not conn.readable(PROGRESS_WAIT_S):
                    quiet_for += PROGRESS_WAIT_S
                    call_off()
                    if quiet_for > self._call_timeout_s:
                        raise TimeoutError(f"no word from the camera's process in {self._call_timeout_s:.0f} s")
                call_off()
            message = conn.recv(timeout)
            if isinstance(message, tuple) and len(message) == 2 and message[0] == "progress":
                if progress is not None:
                    progress(message[1])
                continue
            ok, value, status = message  # type: ignore[misc]
            return ok, value, status

    def _report(self, status: tuple[str, str]) -> None:
        state, detail = status
        self.status.set(DeviceState(state), detail=detail)

    def _spawn(self) -> None:
        """Start the child, send it the settings, wait until its camera is set up (caller holds the lock)."""
        self._kill()
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "drivers.camera.camera_worker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, close_fds=True)
        finally:
            theirs.close()
        self._conn = _Channel(ours, self._start_timeout_s)
        self.starts += 1
        try:
            self._conn.send(self.settings, self._start_timeout_s)
            ok, detail, status = self._conn.recv(self._start_timeout_s)  # type: ignore[misc]
        except TimeoutError:
            ok, detail, status = False, f"not started in {self._start_timeout_s:.0f} s", None
        except (EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
            ok, detail, status = False, f"exited while starting: {exc}", None
        if status is not None:
            self._report(status)
        if not ok:
            self._kill()
            raise CameraProcessStartError(str(detail))
        log.info("camera process pid %s started", self._proc.pid)

    def _kill(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
            self._proc = None


class EmulatedScenes:
    """The camera emulator's controls (``SceneSource``'s), sent to the camera's process where the scenes play."""

    def __init__(self, camera: CameraProcess) -> None:
        self._camera = camera

    def present_face(self, photo: Path | str) -> None:
        """Show ``photo`` (a file) as a live face clip until ``present_default``."""
        self._camera._call("present_face", (str(photo),), timeout_s=SLOW_CALL_TIMEOUT_S)

    def present_default(self) -> None:
        self._camera._call("present_default", ())
