"""The demo citizens (from assets/demo/citizens.json) and the app tokens some of them hold."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import astuple, dataclass
from pathlib import Path

from stdnum.cn import ric


def with_check_digit(first17: str) -> str:
    """Append the GB 11643 (ISO 7064 MOD 11-2) check character."""
    return first17 + ric.calc_check_digit(first17 + "0")


@dataclass(frozen=True)
class Citizen:
    person_id: str
    id_number: str
    name: str
    name_en: str
    card_type: str
    gender: str
    birth_date: str
    phone: str
    address: str
    nationality: str = ""
    employed: bool = True


CITIZENS_FILE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "citizens.json"
"""The demo citizens; the kiosk's card emulator reads the same file to make their ID cards."""

FACES_DIR = CITIZENS_FILE.parent / "faces"
"""Registered photos of the demo citizens, ``<person_id>.jpg`` (sources: assets/demo/faces/README.md)."""

CITIZENS: list[Citizen] = [Citizen(**c) for c in json.loads(CITIZENS_FILE.read_text(encoding="utf-8"))]

APP_TOKENS = {
    "P002": "GZZW-APP-7d3f9a61c2e84b0f",
    "P003": "GZZW-APP-1b6e0c55a9d34e27",
    "P005": "GZZW-APP-f04a2d8e6b1c3957",
    "P008": "GZZW-APP-9c7b5e3a1f2d4860",
    "P011": "GZZW-APP-2e4c6a8b0d1f3579",
}
"""Person -> the token their government-service app shows as a QR code (the kiosk's "scan the app" login)."""


TRAVEL_DOCUMENTS_FILE = CITIZENS_FILE.parent / "travel_documents.json"
TRAVEL_DOCUMENTS: dict[str, tuple[str, str]] = {
    pid: (kind, number) for pid, (kind, number) in json.loads(TRAVEL_DOCUMENTS_FILE.read_text(encoding="utf-8")).items()
}
"""Person -> (document, number) of the passport or travel permit they can identify with by number and face."""


def seed_persons(c: sqlite3.Connection) -> None:
    for p in CITIZENS:
        c.execute(
            "INSERT INTO persons (person_id, id_number, name, name_en, card_type, gender, birth_date, phone,"
            " address, nationality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            astuple(p)[:10],
        )
    for p in CITIZENS:
        photo = FACES_DIR / f"{p.person_id}.jpg"
        if photo.is_file():
            c.execute("INSERT INTO face_photos (person_id, photo) VALUES (?, ?)", (p.person_id, photo.read_bytes()))
    for pid, (doc_type, number) in TRAVEL_DOCUMENTS.items():
        c.execute("INSERT INTO person_documents (doc_type, doc_number, person_id) VALUES (?, ?, ?)",
                  (doc_type, number, pid))
    for pid, token in APP_TOKENS.items():
        c.execute("INSERT INTO app_tokens (token, person_id) VALUES (?, ?)", (token, pid))
