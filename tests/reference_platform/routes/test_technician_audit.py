"""Technician audit over HTTP: signed, idempotent, read back per kiosk, newest first."""

from __future__ import annotations

import requests

from kiosk.platform.contract import paths

from ..helpers import Signed


def test_entries_are_kept_once_and_read_back(api: Signed, platform) -> None:
    entry = {"at": "2026-12-05T03:00:00Z", "level": "warning", "action": "technician PIN refused"}
    first = api.post(paths.TECHNICIAN_AUDIT, entry, key="audit-1")
    again = api.post(paths.TECHNICIAN_AUDIT, entry, key="audit-1")
    assert first.status_code == 201, first.text
    assert again.json()["audit_id"] == first.json()["audit_id"]  # a resend is not a second record
    api.post(paths.TECHNICIAN_AUDIT, {**entry, "level": "info", "action": "technician mode entered"},
             key="audit-2")
    entries = api.get(paths.TECHNICIAN_AUDIT, params={"limit": 10}).json()["entries"]
    assert [e["action"] for e in entries] == ["technician mode entered", "technician PIN refused"]
    assert requests.get(platform.url + paths.TECHNICIAN_AUDIT, timeout=5).status_code == 401


def test_an_empty_action_is_refused(api: Signed) -> None:
    res = api.post(paths.TECHNICIAN_AUDIT, {"at": "2026-12-05T03:00:00Z", "action": ""},
                   key="audit-3")
    assert res.status_code == 422


def test_technician_unlock_command(tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    db = tmp_path / "p.db"
    subprocess.run([sys.executable, "-m", "kiosk", "platform", "enrol-code", "--db", str(db)], cwd=root, check=True,
                   capture_output=True, timeout=60)
    unknown = subprocess.run([sys.executable, "-m", "kiosk", "platform", "technician-unlock", "--db", str(db),
                              "--kiosk", "kiosk-nobody"], cwd=root, capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and "no kiosk" in unknown.stderr
