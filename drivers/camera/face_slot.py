"""Which face models ``face_models()`` answers with: the kiosk's child process (``install``) or none yet.

Kept apart from ``drivers.camera.face_model`` (OpenCV, NumPy) so the UI process can start
its face models' child and hand it to the face step without loading either.
"""

from __future__ import annotations

import threading
from typing import Any


class FaceModelsUnavailable(Exception):
    """dlib or the model files are missing: the install is broken, the face step cannot run."""


LOADING = threading.Lock()
_installed: Any = None


def install(finder: Any) -> None:
    """Make ``face_models()`` answer with ``finder`` (the kiosk's child process); None goes back to in-process."""
    global _installed
    with LOADING:
        _installed = finder


def installed() -> Any:
    """The installed finder or None (caller holds ``LOADING``)."""
    return _installed
