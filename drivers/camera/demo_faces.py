"""The camera emulator's face scenes: a citizen photo presented as a short live clip.

For the face step the emulator shows a (registered-style) photo of the card holder as a
person at the kiosk would appear: centred, facing the camera, then turning the head one
way, back, the other way and back, looped. The turn is synthesised: the middle of the
face around the nose is shifted sideways by a smooth displacement (the nose moves more
than the eyes, as when a real head turns), which is what the head-turn liveness check
measures. It lets the demo and the tests complete a face check without a person; it is
a counterpart for testing, not a way around liveness on a real camera (a real kiosk runs
the ``opencv`` backend).

``SceneSource`` is the emulator's frame source: the document frames by default (the
material-photo step), a face clip while ``present_face`` is in force.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from drivers.camera.face_model import Box, FoundFace, face_models
from drivers.camera.liveness import overlap
from drivers.camera.source import FrameSource, SourceError

SIZE = (1280, 720)
HOLD_READS = 3
"""Reads each pose of a face clip is shown for (3 at 15 fps: a turn 0.6 s, the loop 2.6 s).

A person holds a pose for a while; the face step judges the newest frame whenever it is
done with the last one, so on a busy CPU it sees one frame in several. With each pose held
for a single frame its sampling could fall in step with the clip's loop and never land on a
turned frame."""
JPEG_QUALITY = 95
"""The emulator keeps its clip as JPEG (``encoded_clip``); at 95 the liveness measures match the raw frames'."""
TURN_TARGET = 0.19
"""How much more yaw (``FoundFace.yaw``) a turned frame measures than the photo: past the liveness threshold."""


def _turned(photo: np.ndarray, nose: np.ndarray, eye_distance: float, amount: float) -> np.ndarray:
    """The face as if turned: the middle of the face around the nose shifted by ``amount`` eye distances."""
    h, w = photo.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    sigma = 0.5 * eye_distance
    weight = np.exp(-((xs - nose[0]) ** 2 + (ys - nose[1]) ** 2) / (2 * sigma * sigma))
    map_x = (xs - amount * eye_distance * weight).astype(np.float32)
    return cv2.remap(photo, map_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _placed(photo: np.ndarray, face_box: tuple[int, int, int, int], shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The photo scaled so the face is a third of the frame wide, centred on a plain backdrop."""
    w, h = SIZE
    frame = np.full((h, w, 3), (150, 150, 150), np.uint8)
    scale = (w * 0.30) / face_box[2]
    img = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    cx = int((face_box[0] + face_box[2] / 2) * scale)
    cy = int((face_box[1] + face_box[3] / 2) * scale)
    ox, oy = w // 2 - cx + shift[0], h // 2 - cy + shift[1]
    x0, y0 = max(ox, 0), max(oy, 0)
    x1, y1 = min(ox + img.shape[1], w), min(oy + img.shape[0], h)
    frame[y0:y1, x0:x1] = img[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    return frame


@dataclass(frozen=True)
class ClipPlan:
    """What making a clip from one photo needs to know, found once with the models (then cached)."""

    roll: float
    centre: tuple[float, float]
    box: Box
    nose: tuple[float, float]
    eye_distance: float
    turns: dict[str, float | None]
    """"1" (citizen's left) and "-1": the nose displacement that turns the face, or None for the mirror image."""


def plan_clip(photo: np.ndarray) -> ClipPlan:
    found = face_models().find(photo, upsample=1)
    if not found:
        raise SourceError("no face in the demo photo")
    roll = found[0].roll_degrees if abs(found[0].roll_degrees) >= 3 else 0.0
    centre = (float(found[0].landmarks[4][0]), float(found[0].landmarks[4][1]))
    level = _level(photo, roll, centre)
    faces = face_models().find(level, upsample=1)
    if not faces:
        raise SourceError("no face in the demo photo once levelled")
    face = faces[0]
    nose = (float(face.landmarks[4][0]), float(face.landmarks[4][1]))
    turns = {str(sign): _turn(level, face, sign) for sign in (1, -1)}
    return ClipPlan(roll, centre, face.box, nose, face.eye_distance, turns)


def _poses(photo: np.ndarray, plan: ClipPlan) -> Iterator[tuple[np.ndarray, int]]:
    """Each distinct frame of the clip once, with how many clip frames in a row it stands for."""
    level = _level(photo, plan.roll, plan.centre)
    nose = np.array(plan.nose, np.float32)
    for i in range(3):
        yield _placed(level, plan.box, (i % 2 * 3, 0)), 1
    for sign in (1, -1):
        amount = plan.turns[str(sign)]
        turned = (np.ascontiguousarray(level[:, ::-1]) if amount is None
                  else _turned(level, nose, plan.eye_distance, sign * amount))
        yield _placed(turned, plan.box), 3
        yield _placed(level, plan.box), 2


def render_clip(photo: np.ndarray, plan: ClipPlan) -> list[np.ndarray]:
    """Frames: facing, turned to the citizen's left, facing, turned right, facing (no detection needed)."""
    frames: list[np.ndarray] = []
    for frame, count in _poses(photo, plan):
        frames += [frame] * count
    return frames


def encoded_clip(photo: np.ndarray, plan: ClipPlan) -> list[bytes]:
    """``render_clip``'s frames as JPEG, made one at a time: a camera hands out one decoded frame per read.

    Held decoded, the clip kept seven 1280x720 frames (19 MB) in the kiosk's UI process for
    the whole face step, on top of the frames in flight (docs/performance.md).
    """
    clip: list[bytes] = []
    for frame, count in _poses(photo, plan):
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise SourceError("cannot encode a face clip frame")
        clip += [jpeg.tobytes()] * count
    return clip


def face_clip(photo: np.ndarray) -> list[np.ndarray]:
    return render_clip(photo, plan_clip(photo))


def _level(photo: np.ndarray, roll: float, centre: tuple[float, float]) -> np.ndarray:
    """The photo rotated so the eyes are level, as a citizen told to hold their head straight would."""
    if not roll:
        return photo
    turn = cv2.getRotationMatrix2D(centre, roll, 1.0)
    return cv2.warpAffine(photo, turn, (photo.shape[1], photo.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _turn(photo: np.ndarray, face: FoundFace, sign: int) -> float | None:
    """How to show the face turned ``sign`` way by at least ``TURN_TARGET`` more than in the photo.

    Photos differ (stock photos are rarely frontal), so candidates are measured with the
    same models the liveness check uses: the nose region shifted by growing amounts, and
    the mirror image (a face already turned one way, mirrored, is turned the other).
    """
    candidates: list[tuple[float | None, np.ndarray]] = [
        (a, _turned(photo, face.landmarks[4], face.eye_distance, sign * a)) for a in (0.3, 0.45, 0.6, 0.75)]
    candidates.append((None, np.ascontiguousarray(photo[:, ::-1])))
    for amount, image in candidates:
        found = face_models().find(image, upsample=1)
        if found and sign * (found[0].yaw - face.yaw) >= TURN_TARGET and overlap(found[0].box, face.box) > 0.5:
            return amount
    raise SourceError("the demo photo cannot be turned convincingly; use a photo facing the camera")


class SceneSource:
    """The emulator's ``FrameSource``: the configured frames, or a face clip while one is presented.

    The face step presents the card holder's photo and takes it back when it ends, so the
    material-photo step still sees the document frames.
    """

    def __init__(self, default: FrameSource, fps: float = 15.0, cache_dir: Path | None = None,
                 hold: int = HOLD_READS) -> None:
        if hold < 1:
            raise ValueError("hold must be at least one read")
        self._default = default
        self._hold = hold
        self._plans = cache_dir / "face-clips.json" if cache_dir is not None else None
        self._clip: list[bytes] = []
        self._index = 0
        self._lock = threading.Lock()
        self._fps = fps
        self._next_at = 0.0

    def present_face(self, photo: Path | str | np.ndarray) -> None:
        """Show ``photo`` as a live face clip until ``present_default``."""
        image = photo if isinstance(photo, np.ndarray) else cv2.imread(str(photo))
        if image is None:
            raise SourceError(f"cannot read photo {photo}")
        clip = encoded_clip(image, self._plan(image))
        with self._lock:
            self._clip, self._index = clip, 0

    def _plan(self, image: np.ndarray) -> ClipPlan:
        """The photo's clip plan, from the cache file when this kiosk has made it before."""
        key = hashlib.sha256(image.tobytes()).hexdigest()[:24]
        cached: dict = {}
        if self._plans is not None and self._plans.is_file():
            with contextlib.suppress(ValueError, OSError):
                cached = json.loads(self._plans.read_text(encoding="utf-8"))
        if key in cached:
            with contextlib.suppress(TypeError, ValueError):
                return ClipPlan(**{**cached[key], "box": tuple(cached[key]["box"]),
                                   "centre": tuple(cached[key]["centre"]), "nose": tuple(cached[key]["nose"])})
        plan = plan_clip(image)
        if self._plans is not None:
            cached[key] = asdict(plan)
            with contextlib.suppress(OSError):
                self._plans.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._plans.with_suffix(".tmp")
                tmp.write_text(json.dumps(cached), encoding="utf-8")
                tmp.replace(self._plans)
        return plan

    def present_default(self) -> None:
        with self._lock:
            self._clip = []

    # FrameSource
    def open(self) -> None:
        self._default.open()
        self._next_at = time.monotonic()

    def read(self) -> np.ndarray:
        with self._lock:
            clip = self._clip
        if not clip:
            return self._default.read()
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next_at = max(self._next_at + 1.0 / self._fps, time.monotonic() - 1.0 / self._fps)
        with self._lock:
            jpeg = clip[self._index // self._hold % len(clip)]
            self._index += 1
        frame = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise SourceError("cannot decode a face clip frame")
        return frame

    def close(self) -> None:
        self._default.close()
