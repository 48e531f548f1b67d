"""Face verification error rates on real photos, at the platform's threshold and around it.

Every crop in benchmarks/data/faces (26 faces from photos that package registries ship;
sources.json, README.md) is described by the platform's own path
(``reference_platform.faces.describe``: bundled dlib detector and ResNet descriptor).
Pairs of one person are genuine; pairs known to be two people are impostors: the two
US presidents against everyone, and faces standing side by side in one group photo.
Faces from different group photos are not labelled (the same woman appears in two of
them) and are left out. Prints JSON: false accepts and false rejects per threshold,
and the figures at ``MATCH_DISTANCE``.

    python -m benchmarks.face_verify
"""

from __future__ import annotations

import itertools
import json
import statistics
import time
from pathlib import Path

import cv2

from drivers.camera.face_model import distance
from reference_platform import faces

DATA = Path(__file__).resolve().parent / "data" / "faces"
THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60)


def identity(name: str) -> str:
    """obama*/biden: the person; sampleN-i: one face of group photo N (a person of its own)."""
    stem = name.rsplit("-", 1)[0]
    return "obama" if stem.startswith("obama") else stem if stem == "biden" else name.removesuffix(".jpg")


def labelled(a: str, b: str) -> str | None:
    """'genuine', 'impostor' or None (unknown: faces from two different group photos)."""
    ia, ib = identity(a), identity(b)
    if ia == ib:
        return "genuine"
    if ia in ("obama", "biden") or ib in ("obama", "biden"):
        return "impostor"
    return "impostor" if ia.split("-")[0] == ib.split("-")[0] else None


def main() -> None:
    names = sorted(p.name for p in DATA.glob("*.jpg"))
    described, not_described, times = {}, {}, []
    for name in names:
        image = cv2.imread(str(DATA / name))
        start = time.perf_counter()
        found, why = faces.describe(image)
        times.append((time.perf_counter() - start) * 1000)
        if found is None:
            not_described[name] = why
        else:
            described[name] = found
    pairs = {"genuine": [], "impostor": []}
    for a, b in itertools.combinations(sorted(described), 2):
        kind = labelled(a, b)
        if kind is not None:
            pairs[kind].append((a, b, distance(described[a], described[b])))
    rates = {}
    for t in THRESHOLDS:
        fr = sum(d > t for *_, d in pairs["genuine"])
        fa = sum(d <= t for *_, d in pairs["impostor"])
        rates[f"{t:.2f}"] = {"false_rejects": fr, "false_accepts": fa,
                             "frr": round(fr / len(pairs["genuine"]), 4),
                             "far": round(fa / len(pairs["impostor"]), 4)}
    genuine = [d for *_, d in pairs["genuine"]]
    impostor = [d for *_, d in pairs["impostor"]]
    closest = min(pairs["impostor"], key=lambda p: p[2])
    print(json.dumps({
        "benchmark": "face_verify",
        "photos": len(names), "described": len(described), "not_described": not_described,
        "genuine_pairs": len(genuine), "impostor_pairs": len(impostor),
        "genuine_distance_max": round(max(genuine), 4), "impostor_distance_min": round(min(impostor), 4),
        "closest_impostor_pair": [closest[0], closest[1], round(closest[2], 4)],
        "match_distance": faces.MATCH_DISTANCE, "at_match_distance": rates[f"{faces.MATCH_DISTANCE:.2f}"],
        "by_threshold": rates,
        "describe_ms_median": round(statistics.median(times), 1),
    }, indent=1))


if __name__ == "__main__":
    main()
