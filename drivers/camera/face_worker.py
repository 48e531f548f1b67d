"""The face models in a child process: dlib and its trained files out of the process that asks.

(The kiosk itself now runs its face step in the camera's process, ``drivers.camera.camera_worker``,
which loads the models; this worker serves a process that needs them without a camera.)

dlib and the models it loads take ~30 MB of resident memory for good, and finding faces
in a 1280x720 frame allocates a few MB more each time; in the UI process that is memory
the long-running window keeps (and fragments) although only the face step uses it. The
``FaceWorker`` here answers ``find`` and ``embed`` exactly as ``FaceModels`` does, by
sending the frame to a child (``python -m drivers.camera.face_worker``) that holds the
models, so a frame goes out and a few numbers come back.

The child is the UI process's own: it ends when the parent's end of the socket closes
(the parent exited or was killed: no orphan). (Linux's parent-death signal is not used:
it fires when the *thread* that started the child ends, and the child is started from a
short-lived background thread.) A child that dies, hangs past ``CALL_TIMEOUT_S`` or
answers garbage is killed and started again by the next call (which is retried once);
only a child that cannot load the models at all makes a call raise
``FaceModelsUnavailable``, which the face step reports.
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
import time
from typing import TYPE_CHECKING

from drivers.camera.channel import Channel as _Channel
from drivers.camera.face_slot import FaceModelsUnavailable, install

if TYPE_CHECKING:
    import numpy as np

    from drivers.camera.face_model import FoundFace

log = logging.getLogger(__name__)

LOAD_TIMEOUT_S = 60.0
"""Importing dlib and building the detector: about a second here, several on a small CPU under load."""
CALL_TIMEOUT_S = 20.0
"""One ``find`` or ``embed`` on one frame takes tens of ms; this long means the child hangs."""


class FaceWorker:
    """``FaceModels``' ``find`` / ``embed``, answered by a child process; thread-safe (one call at a time)."""

    def __init__(self, load_timeout_s: float = LOAD_TIMEOUT_S, call_timeout_s: float = CALL_TIMEOUT_S) -> None:
        self._load_timeout_s = load_timeout_s
        self._call_timeout_s = call_timeout_s
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._conn: _Channel | None = None
        self.starts = 0
        """Children started so far (a restart after a crash counts): for the status and the tests."""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def start(self) -> None:
        """Start the child now (loading takes a while) unless it runs already."""
        with self._lock:
            if self.pid is None:
                self._spawn()

    def start_in_background(self) -> FaceWorker:
        def load() -> None:
            with contextlib.suppress(FaceModelsUnavailable):  # reported where the face step needs them
                self.start()
        threading.Thread(target=load, name="face-worker-start", daemon=True).start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._kill()

    def find(self, bgr: np.ndarray, upsample: int = 0) -> list[FoundFace]:
        import numpy as np  # here, not at the top: the UI process starts this worker without loading NumPy

        return self._call("find", np.ascontiguousarray(bgr), upsample)

    def embed(self, bgr: np.ndarray, face: FoundFace) -> np.ndarray:
        import numpy as np

        return self._call("embed", np.ascontiguousarray(bgr), face)

    def _call(self, op: str, *args: object):
        with self._lock:
            failure: BaseException | None = None
            for _attempt in range(2):
                if self.pid is None:
                    self._spawn()
                assert self._conn is not None
                try:
                    self._conn.send((op, args), self._call_timeout_s)
                    ok, value = self._conn.recv(self._call_timeout_s)  # type: ignore[misc]
                except (EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:  # OSError: timeouts too
                    log.warning("face worker (pid %s) failed: %s; starting another", self.pid, exc)
                    failure = exc
                    self._kill()
                    continue
                if not ok:  # the models refused this input, as dlib raises in-process
                    raise RuntimeError(str(value))
                return value
            raise FaceModelsUnavailable(f"face worker failed twice: {failure}")

    def _spawn(self) -> None:
        """Start the child and wait until it has loaded the models (caller holds the lock)."""
        self._kill()
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "drivers.camera.face_worker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, close_fds=True)
        finally:
            theirs.close()
        self._conn = _Channel(ours, self._call_timeout_s)
        self.starts += 1
        started = time.monotonic()
        try:
            ok, detail = self._conn.recv(self._load_timeout_s)  # type: ignore[misc]
        except TimeoutError:
            ok, detail = False, f"not loaded in {self._load_timeout_s:.0f} s"
        except (EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
            ok, detail = False, f"exited while loading: {exc}"
        if not ok:
            self._kill()
            raise FaceModelsUnavailable(f"face worker: {detail}")
        log.info("face worker pid %s ready in %.1f s", self._proc.pid, time.monotonic() - started)

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


_SHARED: FaceWorker | None = None
_SHARED_LOCK = threading.Lock()


def shared_worker() -> FaceWorker | None:
    """The process's one worker, started (in the background) and installed for ``face_models()`` on first call.

    None where this process holds the models already: a fork server (``devtools.chaos``)
    loaded them before forking its kiosks, which share that copy; a child each would not.
    """
    global _SHARED
    face_model = sys.modules.get("drivers.camera.face_model")  # not imported: nothing loaded here
    with _SHARED_LOCK:
        if _SHARED is None and face_model is not None and face_model.loaded_here():
            return None
        if _SHARED is None:
            _SHARED = FaceWorker()
            install(_SHARED)
            _SHARED.start_in_background()
        return _SHARED


def serve(conn: _Channel) -> None:
    """The child's loop: load the models, then answer until the parent closes the socket (or is gone)."""
    from drivers.camera.face_model import FaceModels

    try:
        try:
            models = FaceModels()
        except FaceModelsUnavailable as exc:
            conn.send((False, str(exc)))
            return
        conn.send((True, None))
        while True:
            op, args = conn.recv()
            try:
                if op == "find":
                    value: object = models.find(*args)
                elif op == "embed":
                    value = models.embed(*args)
                else:
                    raise ValueError(f"unknown operation {op!r}")
            except Exception as exc:  # dlib's or OpenCV's error on a bad image: the caller's, reported to it
                conn.send((False, f"{op}: {exc}"))
                continue
            conn.send((True, value))
    except (EOFError, OSError):  # the parent closed its end or exited: nothing left to serve
        return


def main(argv: list[str]) -> int:
    serve(_Channel(socket.socket(fileno=int(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
