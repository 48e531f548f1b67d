"""Per-technician PINs end to end over HTTP: the platform issues them, a kiosk fetches the hashes
allowed on it, caches them, and checks a technician's id + PIN against them (even offline)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from kiosk.ops.pin import LOCAL_ID, MAX_FAILURES, PIN_STATE_FILE, PinGate, Roster, hash_pin, refresh_roster, sign_in
from kiosk.platform.client import PlatformClient
from kiosk.platform.contract import paths
from kiosk.platform.contract.demo import DEMO_KIOSK_ID, DEMO_SECRET
from kiosk.platform.contract.technicians import PinFormatError
from kiosk.platform.transport import RetryPolicy
from reference_platform.db import Database
from reference_platform.routes.technicians import Scope, add_technician, revoke_technician
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE
from reference_platform.server import ServerHandle, serve_in_thread

PINS = {"T001": "480215", "T002": "730964", "T003": "516082"}
LOCAL_PIN = "902713"


@dataclass
class Fleet:
    platform: ServerHandle
    other_kiosk: str

    def db(self) -> Database:
        return Database(self.platform.db_path)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    with serve_in_thread(tmp_path / "p.db", always_open=True) as platform:
        enrolled = requests.post(platform.url + paths.ENROL, json={"enrolment_code": DEMO_ENROLMENT_CODE,
                                                                   "site_name": "Tianhe hall"}, timeout=10).json()
        db = Database(platform.db_path)
        try:
            add_technician(db, "T001", "Wang Wei", PINS["T001"], Scope(kiosks=(DEMO_KIOSK_ID,)), 0.0)
            add_technician(db, "T002", "Li Na", PINS["T002"], Scope(kiosks=(enrolled["kiosk_id"],)), 0.0)
            add_technician(db, "T003", "Zhao Lei", PINS["T003"], Scope(sites=("Tianhe hall",)), 0.0)
        finally:
            db.close()
        yield Fleet(platform, enrolled["kiosk_id"])


def client(url: str, tmp_path: Path) -> PlatformClient:
    return PlatformClient(url, DEMO_KIOSK_ID, DEMO_SECRET, cache_dir=tmp_path / "cache", connect_timeout_s=1,
                          read_timeout_s=10, retry=RetryPolicy(attempts=1))


def kiosk_dir(tmp_path: Path) -> tuple[PinGate, Roster]:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    return PinGate(hash_pin(LOCAL_PIN), state / PIN_STATE_FILE), Roster(state)


def test_issued_pin_works_wrong_pin_is_refused_and_counted(fleet: Fleet, tmp_path: Path) -> None:
    gate, roster = kiosk_dir(tmp_path)
    with client(fleet.platform.url, tmp_path) as c:
        assert refresh_roster(c.technicians, roster)
    assert [t.technician_id for t in roster.load().technicians] == ["T001"]  # only this kiosk's technicians
    assert sign_in(gate, roster, "t001", PINS["T001"], gate.stored_hash) == "t001"
    assert sign_in(gate, roster, "T001", "480216", gate.stored_hash) is None
    assert gate.remaining_attempts == MAX_FAILURES - 1
    assert sign_in(gate, roster, "T001", LOCAL_PIN, gate.stored_hash) is None  # the list replaces the bootstrap PIN


def test_another_kiosks_technician_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    gate, roster = kiosk_dir(tmp_path)
    with client(fleet.platform.url, tmp_path) as c:
        refresh_roster(c.technicians, roster)
    assert sign_in(gate, roster, "T002", PINS["T002"], "") is None
    assert sign_in(gate, roster, "T003", PINS["T003"], "") is None  # a site this kiosk is not at
    assert gate.remaining_attempts == MAX_FAILURES - 2
    db = fleet.db()
    try:
        secret = db.one("SELECT secret FROM kiosks WHERE kiosk_id = ?", (fleet.other_kiosk,))["secret"]
    finally:
        db.close()
    with PlatformClient(fleet.platform.url, fleet.other_kiosk, secret.encode(), retry=RetryPolicy(attempts=1)) as b:
        assert [t.technician_id for t in b.technicians().technicians] == ["T002", "T003"]


def test_revoked_technician_is_refused_after_the_next_fetch(fleet: Fleet, tmp_path: Path) -> None:
    gate, roster = kiosk_dir(tmp_path)
    with client(fleet.platform.url, tmp_path) as c:
        refresh_roster(c.technicians, roster)
        db = fleet.db()
        try:
            revoke_technician(db, "T001", 1.0)
            with pytest.raises(ValueError, match="no technician"):
                revoke_technician(db, "T404", 1.0)
        finally:
            db.close()
        assert sign_in(gate, roster, "T001", PINS["T001"], "") == "T001"  # not fetched yet: the cache decides
        assert refresh_roster(c.technicians, roster)
    assert roster.load().technicians[0].revoked
    assert sign_in(gate, roster, "T001", PINS["T001"], "") is None


def test_cache_is_used_while_the_platform_is_down(fleet: Fleet, tmp_path: Path) -> None:
    gate, roster = kiosk_dir(tmp_path)
    with client(fleet.platform.url, tmp_path) as c:
        refresh_roster(c.technicians, roster)
    fleet.platform.stop()
    with client(fleet.platform.url, tmp_path) as c:
        assert not refresh_roster(c.technicians, roster)
    assert sign_in(gate, roster, "T001", PINS["T001"], "") == "T001"


def test_bootstrap_pin_until_the_kiosk_ever_reached_the_platform(tmp_path: Path) -> None:
    gate, roster = kiosk_dir(tmp_path)
    with client("http://127.0.0.1:9", tmp_path) as c:  # nothing listens there
        assert not refresh_roster(c.technicians, roster)
    assert sign_in(gate, roster, "", LOCAL_PIN, gate.stored_hash) == LOCAL_ID
    assert sign_in(gate, roster, "T001", PINS["T001"], gate.stored_hash) is None


def test_bootstrap_pin_while_the_platform_lists_no_technician_for_the_kiosk(tmp_path: Path) -> None:
    gate, roster = kiosk_dir(tmp_path)
    with serve_in_thread(tmp_path / "p.db", always_open=True) as platform, client(platform.url, tmp_path) as c:
        assert refresh_roster(c.technicians, roster)
        assert roster.load().technicians == []
        assert sign_in(gate, roster, "", LOCAL_PIN, gate.stored_hash) == LOCAL_ID
        db = Database(platform.db_path)
        try:
            add_technician(db, "T001", "Wang Wei", PINS["T001"], Scope(), 0.0)
            revoke_technician(db, "T001", 1.0)
        finally:
            db.close()
        assert refresh_roster(c.technicians, roster)
    assert sign_in(gate, roster, "", LOCAL_PIN, gate.stored_hash) is None  # revoking everyone keeps it closed


def test_no_pin_in_any_file_or_log(fleet: Fleet, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gate, roster = kiosk_dir(tmp_path)
    with client(fleet.platform.url, tmp_path) as c:
        refresh_roster(c.technicians, roster)
    sign_in(gate, roster, "T001", PINS["T001"], "")
    sign_in(gate, roster, "T001", "480216", "")
    fleet.platform.stop()
    files = [p for p in [*tmp_path.rglob("*"), Path(fleet.platform.db_path)] if p.is_file()]
    assert roster.path in files and Path(fleet.platform.db_path) in files
    for pin in [*PINS.values(), "480216"]:
        for f in files:
            assert pin.encode() not in f.read_bytes(), f
        assert pin not in caplog.text


def test_route_is_signed_and_trivial_pins_are_refused(fleet: Fleet) -> None:
    assert requests.get(fleet.platform.url + paths.TECHNICIANS, timeout=5).status_code == 401
    db = fleet.db()
    try:
        for pin in ("123456", "111111", "121212", "98765"):
            with pytest.raises(PinFormatError):
                add_technician(db, "T009", "Sun Li", pin, Scope(), 0.0)
        with pytest.raises(ValueError, match="already exists"):
            add_technician(db, "T001", "Wang Wei", "604937", Scope(), 0.0)
        with pytest.raises(ValueError, match="no kiosk"):
            add_technician(db, "T010", "Sun Li", "604937", Scope(kiosks=("kiosk-nobody",)), 0.0)
    finally:
        db.close()
