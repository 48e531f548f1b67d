"""ID cards of the demo citizens, for the card-reader emulator.

The demo and the tests put these on the emulated reader so that what the chip says
matches what a demo-mode platform has on file (name, number, card type), exactly as a
real card matches the population register. Both sides read the same data file,
``assets/demo/citizens.json``; the kiosk never imports the platform.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from drivers.idreader.card import PHOTO_LEN, CardType, IdCard

CITIZENS_FILE = Path(__file__).resolve().parents[2] / "assets" / "demo" / "citizens.json"

CARD_TYPES = {"resident": CardType.RESIDENT, "hmt_residence_permit": CardType.PERMIT,
              "foreign_permanent_new": CardType.FOREIGN, "foreign_permanent_old": CardType.FOREIGN_OLD}
ISSUERS = {"11": "北京市公安局朝阳分局", "44": "广州市公安局天河分局", "31": "上海市公安局徐汇分局",
           "51": "成都市公安局武侯分局", "81": "广州市公安局", "82": "珠海市公安局", "83": "厦门市公安局"}


def _photo(seed: str) -> bytes:
    """An opaque 1024-byte stand-in for the chip's encrypted WLT photo: carried, never decoded."""
    out = b""
    while len(out) < PHOTO_LEN:
        out += hashlib.sha256((seed + str(len(out))).encode()).digest()
    return out[:PHOTO_LEN]


def card_of(citizen: dict[str, Any]) -> IdCard:
    kind = CARD_TYPES[citizen["card_type"]]
    foreign = kind in (CardType.FOREIGN, CardType.FOREIGN_OLD)
    return IdCard(
        kind,
        name=citizen["name"] if kind is not CardType.FOREIGN_OLD else "",
        name_en=citizen["name_en"] if foreign else "",
        gender=citizen["gender"],
        birth_date=dt.date.fromisoformat(citizen["birth_date"]),
        id_number=citizen["id_number"],
        nation="01" if kind is CardType.RESIDENT else "",
        address="" if foreign else citizen["address"],
        issuer="1100" if kind is CardType.FOREIGN_OLD else ("国家移民管理局" if foreign else
                                                           ISSUERS.get(citizen["id_number"][:2], "公安局")),
        valid_from=dt.date(2020, 1, 1),
        valid_to=None if kind is CardType.RESIDENT and citizen["birth_date"] < "1980" else dt.date(2040, 1, 1),
        pass_number="H12345678" if kind is CardType.PERMIT else "",
        issue_count="01" if kind in (CardType.PERMIT, CardType.FOREIGN) else "",
        nationality=citizen["nationality"] if foreign else "",
        card_version="01" if kind is CardType.FOREIGN_OLD else "",
        photo=_photo(citizen["person_id"]),
    )


DEMO_CARDS: dict[str, IdCard] = {
    c["person_id"]: card_of(c) for c in json.loads(CITIZENS_FILE.read_text(encoding="utf-8"))}
"""By person id (P001 ... P013)."""

FACES_DIR = CITIZENS_FILE.parent / "faces"
"""The demo citizens' registered photos (``<person_id>.jpg``); the platform seeds the same files."""

_PERSON_BY_NUMBER = {card.id_number: pid for pid, card in DEMO_CARDS.items()} | {
    number: pid
    for pid, (_kind, number) in json.loads((CITIZENS_FILE.parent / "travel_documents.json").read_text("utf-8")).items()
}
"""A demo citizen by the number they type: identity number, passport or travel permit."""


def demo_face(id_number: str) -> Path | None:
    """The photo the camera emulator presents for the holder of ``id_number`` (or of that passport or
    travel permit number; demo citizens only)."""
    pid = _PERSON_BY_NUMBER.get(id_number.strip().upper())
    photo = FACES_DIR / f"{pid}.jpg" if pid else None
    return photo if photo is not None and photo.is_file() else None
