"""The camera's own process: capture, page finding, test pictures and QR decoding where the frames are.

``python -m drivers.camera.camera_worker FD`` is started by ``CameraProcess``
(``drivers.camera.camera_process``) in the kiosk's UI process, with one end of a socket
pair. The first message is the camera's settings; the child opens the source (a V4L2
camera, or the emulator's scenes), runs the ``Camera`` capture thread and answers one
request at a time with ``(ok, value, status)``: ``status`` is the camera's state and
detail as the capture thread last reported them, so the parent publishes every change.

What crosses the socket is small: a material photo's JPEG and preview PNG, a test
picture's PNG, the texts of QR codes, and during the face step (``face_check``, run here
with the face models this process loads at start) a preview PNG a few times a second as
``("progress", FaceProgress)`` messages before the reply; a ``("cancel", ())`` from the
parent ends that step. A frame crosses only when ``latest``/``wait_next`` are asked (tests,
tools). It ends when the parent's end of the socket closes (the parent exited or was
killed: no orphan), stopping the capture thread first and then leaving with ``os._exit``
(see ``main``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, NoReturn

from drivers.base import DeviceState, DeviceStatusChanged, Event
from drivers.camera.camera import Camera
from drivers.camera.channel import Channel as _Channel
from drivers.camera.source import FileSource, FrameSource, OpenCvSource


def _load_face_models() -> None:
    """Load the models before the first face step needs them (a second or more); a broken install is
    reported by the face step itself."""
    from drivers.camera.face_model import FaceModelsUnavailable, face_models

    with contextlib.suppress(FaceModelsUnavailable):
        face_models()


class _Worker:
    """The camera and its source, built from the parent's settings, and the answers to its requests."""

    def __init__(self, settings: dict[str, Any], conn: _Channel) -> None:
        self._conn = conn
        self.status: tuple[str, str] = (DeviceState.OFFLINE.value, "")
        self.scenes = None
        if settings["backend"] == "emulator":
            from drivers.camera.demo_faces import SceneSource
            from drivers.camera.demo_frames import write_demo_frames

            source = settings["source"] or str(write_demo_frames(settings["cache_dir"]))
            self.scenes = SceneSource(FileSource(source, fps=settings.get("fps", 10.0)),
                                      cache_dir=Path(settings["cache_dir"]))
            scenes = self.scenes
            self.camera = Camera(settings["name"], lambda: scenes, self._publish)
        else:
            def make() -> FrameSource:
                return OpenCvSource(settings["device"], settings["width"], settings["height"])
            self.camera = Camera(settings["name"], make, self._publish)
        self.camera.start()
        if settings.get("face_models", True):
            threading.Thread(target=_load_face_models, name="face-models-load", daemon=True).start()

    def _publish(self, event: Event) -> None:
        if isinstance(event, DeviceStatusChanged):
            self.status = (event.state.value, event.detail)

    def answer(self, op: str, args: tuple) -> object:
        from drivers.camera import shots

        if op == "status":
            return None
        if op == "document_shot":
            return shots.document_shot(self.camera, *args)
        if op == "snapshot":
            return shots.snapshot(self.camera, *args)
        if op == "decode_next":
            return self.camera.decode_next(*args)
        if op in ("latest", "wait_next"):
            return self.camera.latest() if op == "latest" else self.camera.wait_next(*args)
        if op == "face_check":
            return self._face_check(*args)
        if op in ("present_face", "present_default"):
            if self.scenes is None:
                raise ValueError("no emulated camera in this kiosk")
            getattr(self.scenes, op)(*args)
            return None
        raise ValueError(f"unknown operation {op!r}")

    def _face_check(self, turn: str | None, timeout_s: float) -> object:
        from drivers.camera.face_session import face_session
        from drivers.camera.results import FaceProgress, Turn

        cancelled = False

        def called_off() -> bool:
            nonlocal cancelled
            while not cancelled and self._conn.readable(0):
                message = self._conn.recv()
                cancelled = isinstance(message, tuple) and message[0] == "cancel"
            return cancelled

        def progress(p: FaceProgress) -> None:
            self._conn.send(("progress", p))

        return face_session(self.camera, called_off, progress, Turn(turn) if turn else None, timeout_s)

    def stop(self) -> None:
        self.camera.stop()


def serve(conn: _Channel) -> None:
    """Build the camera from the first message, then answer until the parent closes the socket."""
    worker: _Worker | None = None
    try:
        settings = conn.recv()
        assert isinstance(settings, dict)
        try:
            worker = _Worker(settings, conn)
        except Exception as exc:  # a bad source path, a broken install: the parent reports it
            why = f"camera could not be set up: {type(exc).__name__}: {exc}"
            conn.send((False, why, (DeviceState.HARDWARE_ERROR.value, why[:200])))
            return
        conn.send((True, None, worker.status))
        while True:
            op, args = conn.recv()  # type: ignore[misc]
            if op == "cancel":  # came after the step it meant had ended: nothing to call off
                continue
            try:
                value = worker.answer(op, args)
            except Exception as exc:  # the request's own failure (no frame, a bad image): the caller's
                conn.send((False, (type(exc).__name__, str(exc)), worker.status))
                continue
            conn.send((True, value, worker.status))
    except (EOFError, OSError):  # the parent closed its end or exited: nothing left to serve
        return
    finally:
        if worker is not None:
            worker.stop()


def main(argv: list[str]) -> NoReturn:
    """Serve, then end the process without the interpreter's teardown.

    The face-models loading thread may still be inside dlib when the parent goes (a kiosk
    stopped a second after start). Python's teardown ends such a thread with
    ``pthread_exit``, whose unwind through C++ frames calls ``std::terminate``: a SIGABRT
    and a core dump after a clean stop, as the UI process had (``kiosk.ops.process_exit``,
    which this layer cannot import). The capture thread was stopped and joined by ``serve``;
    nothing else here holds data.
    """
    code = 1
    try:
        serve(_Channel(socket.socket(fileno=int(argv[1]))))
        code = 0
    except BaseException:  # a bug here: its traceback goes to the parent's log before the exit
        traceback.print_exc()
    finally:
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


if __name__ == "__main__":
    main(sys.argv)
