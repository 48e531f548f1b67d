"""``kiosk platform technician-add`` / ``technician-revoke``: a one-time PIN printed once, stored only hashed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.platform.contract.technicians import verify_pin
from reference_platform.db import Database

ROOT = Path(__file__).resolve().parents[3]


def kiosk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "platform", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_add_prints_a_one_time_pin_stores_a_hash_and_revoke_flags_it(tmp_path: Path) -> None:
    db_path = str(tmp_path / "p.db")
    added = kiosk("technician-add", "--db", db_path, "--technician-id", "T001", "--name", "Wang Wei",
                  "--sites", "Tianhe hall")
    assert added.returncode == 0, added.stderr
    pin = added.stdout.rsplit(":", 1)[1].strip()
    assert pin.isdigit() and len(pin) == 8 and "site Tianhe hall" in added.stdout
    chosen = kiosk("technician-add", "--db", db_path, "--technician-id", "T002", "--name", "Li Na", "--pin-stdin",
                   stdin="604937\n")
    assert chosen.returncode == 0 and "604937" not in chosen.stdout + chosen.stderr
    trivial = kiosk("technician-add", "--db", db_path, "--technician-id", "T003", "--name", "Zhao Lei",
                    "--pin-stdin", stdin="123456\n")
    assert trivial.returncode == 2 and "first anyone would try" in trivial.stderr
    revoked = kiosk("technician-revoke", "--db", db_path, "--technician-id", "T001")
    assert revoked.returncode == 0, revoked.stderr
    assert kiosk("technician-revoke", "--db", db_path, "--technician-id", "T404").returncode == 2
    db = Database(db_path)
    try:
        rows = {r["technician_id"]: r for r in db.all("SELECT * FROM technicians")}
    finally:
        db.close()
    assert set(rows) == {"T001", "T002"}
    assert verify_pin(pin, rows["T001"]["pin_hash"]) and rows["T001"]["revoked_at"] is not None
    assert verify_pin("604937", rows["T002"]["pin_hash"]) and rows["T002"]["revoked_at"] is None
    assert pin.encode() not in Path(db_path).read_bytes() and b"604937" not in Path(db_path).read_bytes()
