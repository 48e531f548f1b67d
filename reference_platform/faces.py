"""The platform's side of 人证比对: compare a kiosk's live capture with the photo on file.

The registered photo's descriptor is computed once (first check) and kept beside the
photo. A capture is compared only when it shows exactly one face big enough to
describe; the answer is ``match`` when the descriptor distance is at most
``MATCH_DISTANCE``, chosen on real photos (benchmarks/face_verify.py,
docs/face-verification.md). The same dlib models as the kiosk's quality check are used
(``drivers.camera.face_model``), shipped by the install.

Every check is recorded in ``face_checks`` (hashed ID number, masked number, kiosk,
outcome, score) — the audit trail — and ``MAX_FAILURES`` failed checks for one ID number
within ``LOCK_WINDOW_S`` lock it: further checks are refused with 429 until the window
has passed, so the face check cannot be used to try photo after photo.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from drivers.camera.face_model import distance, face_models
from kiosk.platform.contract import FaceOutcome
from reference_platform.db import Database

log = logging.getLogger(__name__)

MATCH_DISTANCE = 0.50
"""dlib's usual 0.6 accepted two different women of one sample photo; 0.50 separates every
labelled pair of the benchmark set (docs/face-verification.md)."""
MIN_FACE_PIXELS = 80
"""Narrower faces carry too little detail for the descriptor."""
MAX_FAILURES = 5
LOCK_WINDOW_S = 15 * 60


@dataclass(frozen=True)
class Comparison:
    outcome: FaceOutcome
    score: float | None = None
    reason: str = ""


def similarity(dist: float) -> float:
    return round(max(0.0, 1.0 - dist), 4)


THRESHOLD = similarity(MATCH_DISTANCE)


def id_hash(id_number: str) -> str:
    """The throttle and audit key: the ID number itself is never stored with a check."""
    return hashlib.sha256(("face-check:" + id_number).encode()).hexdigest()


def decode_jpeg(data: bytes) -> np.ndarray | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG":
                return None
            rgb = np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def describe(image: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The descriptor of the one face in ``image``, or why there is none."""
    faces = face_models().find(image, upsample=1 if max(image.shape[:2]) < 500 else 0)
    if not faces:
        return None, "no_face"
    if len(faces) > 1:
        return None, "several_faces"
    if faces[0].box[2] < MIN_FACE_PIXELS:
        return None, "face_too_small"
    return face_models().embed(image, faces[0]), ""


def registered_descriptor(db: Database, person_id: str) -> np.ndarray | None:
    row = db.one("SELECT photo, descriptor FROM face_photos WHERE person_id = ?", (person_id,))
    if row is None:
        return None
    if row["descriptor"] is not None:
        return np.frombuffer(row["descriptor"], np.float32)
    image = decode_jpeg(row["photo"])
    found, why = describe(image) if image is not None else (None, "unreadable")
    if found is None:
        log.warning("registered photo of %s is unusable: %s", person_id, why)
        return None
    with db.tx() as c:
        c.execute("UPDATE face_photos SET descriptor = ? WHERE person_id = ?", (found.tobytes(), person_id))
    return found


def compare(live: np.ndarray, registered: np.ndarray | None) -> Comparison:
    found, why = describe(live)
    if found is None:
        return Comparison(FaceOutcome.RETRY, None, why)
    if registered is None:
        return Comparison(FaceOutcome.NO_MATCH)
    dist = distance(found, registered)
    return Comparison(FaceOutcome.MATCH if dist <= MATCH_DISTANCE else FaceOutcome.NO_MATCH, similarity(dist))


def recent_failures(db: Database, key: str, now: float) -> int:
    row = db.one("SELECT COUNT(*) AS n FROM face_checks WHERE id_hash = ? AND at > ? AND outcome != ?",
                 (key, now - LOCK_WINDOW_S, FaceOutcome.MATCH.value))
    return int(row["n"]) if row else 0


def record(db: Database, key: str, masked_id: str, kiosk: str, now: float, result: Comparison) -> None:
    with db.tx() as c:
        c.execute("INSERT INTO face_checks (id_hash, masked_id, kiosk_id, at, outcome, score, reason)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (key, masked_id, kiosk, now, result.outcome.value, result.score, result.reason))
    log.info("face check for %s from %s: %s %s", masked_id, kiosk, result.outcome.value,
             result.score if result.score is not None else result.reason)
