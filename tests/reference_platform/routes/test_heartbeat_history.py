"""Heartbeat history over HTTP: each signed heartbeat is kept, read back newest first, bounded per kiosk."""

from __future__ import annotations

import pytest

from kiosk.platform.contract import paths
from reference_platform.routes import heartbeat_history

from ..helpers import Signed


def beat(api: Signed, n: int, **extra: object) -> None:
    res = api.post(paths.HEARTBEAT, {"kiosk_version": "0.1", "uptime_s": n, "devices": [], **extra})
    assert res.status_code == 200, res.text


def test_history_keeps_image_version_slot_and_rollback(api: Signed) -> None:
    beat(api, 1)
    beat(api, 2, image_version="1.2", boot_slot="kiosk_1.2.efi", rolled_back=True)
    res = api.get(paths.HEARTBEATS, params={"limit": 2})
    assert res.status_code == 200, res.text
    newest, older = res.json()["heartbeats"]
    assert newest["heartbeat"]["uptime_s"] == 2 and older["heartbeat"]["uptime_s"] == 1
    assert newest["heartbeat"]["image_version"] == "1.2" and newest["heartbeat"]["boot_slot"] == "kiosk_1.2.efi"
    assert newest["heartbeat"]["rolled_back"] is True and older["heartbeat"]["rolled_back"] is False
    assert newest["received_at"] >= older["received_at"]


def test_history_is_per_kiosk_and_signed(api: Signed, platform) -> None:
    import requests

    assert requests.get(platform.url + paths.HEARTBEATS, timeout=5).status_code == 401
    other = Signed(platform.url, kiosk_id="kiosk-nobody", secret=b"x" * 32)
    assert other.get(paths.HEARTBEATS).status_code == 401  # not enrolled: no one else's history either


def test_history_is_bounded(api: Signed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heartbeat_history, "KEEP", 3)
    for n in range(10, 16):
        beat(api, n)
    kept = api.get(paths.HEARTBEATS, params={"limit": 100}).json()["heartbeats"]
    assert [h["heartbeat"]["uptime_s"] for h in kept] == [15, 14, 13]
