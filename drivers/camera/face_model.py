"""Face detection, landmarks and embeddings from models that ship with the install.

dlib (the ``dlib-bin`` wheel, x86_64 and aarch64) has a built-in HOG frontal-face
detector, and the ``face_recognition_models`` package carries dlib's trained files: the
5-point landmark model (eye corners, nose) and the ResNet face-recognition model that
maps an aligned face to 128 numbers whose Euclidean distance is small for the same
person. Nothing is downloaded at run time. OpenCV's own face models (YuNet / SFace)
ship in no registry package, which is why dlib is used.

Both the kiosk (quality, head-turn liveness) and the reference platform (comparing the
live capture with the registered photo) use this module, so the two sides measure the
same thing. The models load once per process (about 0.5 s, 33 MB) on first use; the kiosk
keeps them in its camera's process (``drivers.camera.camera_worker``, where the face step
runs), out of its UI process.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h
_LOADING = threading.Lock()


class FaceModelsUnavailable(Exception):
    """dlib or the model files are missing: the install is broken, the face step cannot run."""

DETECT_WIDTH = 480
"""Frames are shrunk to this width before detection: HOG cost grows with the pixels, and a
citizen at the kiosk fills a good part of the frame."""


FIVE_POINT_FILE = "shape_predictor_5_face_landmarks.dat"
RECOGNITION_FILE = "dlib_face_recognition_resnet_model_v1.dat"


def model_file(name: str) -> str:
    """One of ``face_recognition_models``' trained files, found without importing that package.

    Its ``__init__`` only names the files, through ``pkg_resources``, whose import costs
    ~10 MB and a few tenths of a second in every process that loads the models.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelsUnavailable("face models not installed: no face_recognition_models package")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise FaceModelsUnavailable(f"face models not installed: {path} is missing")
    return str(path)


@dataclass(frozen=True)
class FoundFace:
    box: Box
    """In the coordinates of the image given to ``find``."""
    landmarks: np.ndarray
    """5 x 2 float: two corners of each eye, then the base of the nose (dlib's 5-point model)."""

    @property
    def eye_distance(self) -> float:
        left, right = self.landmarks[0:2].mean(axis=0), self.landmarks[2:4].mean(axis=0)
        return float(np.linalg.norm(left - right))

    @property
    def yaw(self) -> float:
        """Sideways turn: the nose's offset from the middle of the eyes, in eye distances.

        About 0 facing the camera; positive when the nose sits to the image's right (the
        citizen turned to their left, seen by an unmirrored camera), negative the other way.
        """
        mid = self.landmarks[0:4].mean(axis=0)
        return float((self.landmarks[4][0] - mid[0]) / max(self.eye_distance, 1.0))

    @property
    def roll_degrees(self) -> float:
        """Head tilt: the angle of the line through both eyes."""
        a, b = self.landmarks[0:2].mean(axis=0), self.landmarks[2:4].mean(axis=0)
        if a[0] > b[0]:
            a, b = b, a
        return float(np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0])))


class FaceModels:
    """dlib's detector, landmark predictor and recogniser; thread-safe (one lock, dlib objects are not)."""

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError as exc:  # the wheel pins it: only a broken install gets here
            raise FaceModelsUnavailable(f"face models not installed: {exc}") from exc
        try:
            self._detector = dlib.get_frontal_face_detector()
            self._shape = dlib.shape_predictor(model_file(FIVE_POINT_FILE))
        except RuntimeError as exc:
            raise FaceModelsUnavailable(f"cannot load the face models: {exc}") from exc
        self._recognise: object | None = None  # the kiosk never describes faces: loaded on first ``embed``
        self._dlib = dlib
        self._lock = threading.Lock()

    def find(self, bgr: np.ndarray, upsample: int = 0) -> list[FoundFace]:
        """All frontal faces in a BGR (or grey) image, largest first."""
        rgb = _rgb(bgr)
        scale = min(1.0, DETECT_WIDTH / rgb.shape[1])
        small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        with self._lock:
            rects = self._detector(small, upsample)
            found = []
            for r in rects:
                full = self._dlib.rectangle(int(r.left() / scale), int(r.top() / scale),
                                            int(r.right() / scale), int(r.bottom() / scale))
                shape = self._shape(rgb, full)
                points = np.array([(p.x, p.y) for p in shape.parts()], np.float32)
                found.append(FoundFace((full.left(), full.top(), full.width(), full.height()), points))
        return sorted(found, key=lambda f: -f.box[2] * f.box[3])

    def embed(self, bgr: np.ndarray, face: FoundFace) -> np.ndarray:
        """The 128-number descriptor of ``face`` (aligned by its landmarks)."""
        rgb = _rgb(bgr)
        x, y, w, h = face.box
        with self._lock:
            if self._recognise is None:
                self._recognise = self._dlib.face_recognition_model_v1(model_file(RECOGNITION_FILE))
            shape = self._shape(rgb, self._dlib.rectangle(x, y, x + w, y + h))
            return np.asarray(self._recognise.compute_face_descriptor(rgb, shape), np.float32)  # type: ignore[attr-defined]


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
    return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))


class FaceFinder(Protocol):
    """What the face step and the emulator need of the models: ``FaceModels``, or ``FaceWorker`` in a child."""

    def find(self, bgr: np.ndarray, upsample: int = 0) -> list[FoundFace]: ...

    def embed(self, bgr: np.ndarray, face: FoundFace) -> np.ndarray: ...


@lru_cache(maxsize=1)
def _load() -> FaceModels:
    return FaceModels()


def face_models() -> FaceFinder:
    """The process's models, loaded on first use (once, whichever thread asks first)."""
    with _LOADING:
        return _load()


def loaded_here() -> bool:
    """True once this process has built the models itself (or inherited them from a fork server)."""
    return _load.cache_info().currsize > 0


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance of two descriptors: same person well under 0.5, others above (docs/face-verification.md)."""
    return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))
