"""Technicians the platform issues, and the list each kiosk fetches to check their PINs offline.

An administrator adds a technician (``kiosk platform technician-add``) with the sites and
kiosks they may work on; the platform stores only a salted scrypt hash of the PIN. A kiosk
fetches the technicians allowed on it, revoked ones included and flagged, so a revocation
replaces the kiosk's cached entry rather than leaving a stale one behind. A technician with
neither sites nor kiosks is a fleet technician, allowed on every kiosk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request

from kiosk.platform.contract import TechnicianCredential, TechnicianList, paths
from kiosk.platform.contract.technicians import TECHNICIAN_ID_PATTERN, hash_pin
from reference_platform.db import Database
from reference_platform.routes._deps import ERRORS, db, kiosk_id, now

router = APIRouter(tags=["operations"])


@dataclass(frozen=True)
class Scope:
    sites: tuple[str, ...] = ()
    kiosks: tuple[str, ...] = ()

    def allows(self, kid: str, site: str) -> bool:
        if not self.sites and not self.kiosks:
            return True
        return kid in self.kiosks or (bool(site) and site in self.sites)


def add_technician(db: Database, technician_id: str, name: str, pin: str, scope: Scope, ts: float) -> None:
    """Issue ``technician_id`` with ``pin`` (refused when trivial: ``PinFormatError``); an id is issued once."""
    if not re.fullmatch(TECHNICIAN_ID_PATTERN, technician_id):
        raise ValueError("a technician id has 1-32 letters, digits, '-' or '_', starting with a letter or digit")
    if not name.strip():
        raise ValueError("a technician needs a name (it stays on the platform; kiosks see only the id)")
    pin_hash = hash_pin(pin)
    with db.tx() as c:
        for kid in scope.kiosks:
            if c.execute("SELECT 1 FROM kiosks WHERE kiosk_id = ?", (kid,)).fetchone() is None:
                raise ValueError(f"no kiosk {kid!r} on this platform")
        if c.execute("SELECT 1 FROM technicians WHERE technician_id = ?", (technician_id,)).fetchone():
            raise ValueError(f"technician {technician_id!r} already exists (revoke it and issue a new id)")
        c.execute("INSERT INTO technicians (technician_id, name, pin_hash, sites_json, kiosks_json, issued_at) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (technician_id, name.strip(), pin_hash, json.dumps(scope.sites),
                                                json.dumps(scope.kiosks), ts))


def revoke_technician(db: Database, technician_id: str, ts: float) -> None:
    """Revoke ``technician_id``; each kiosk refuses them from its next fetch of the list."""
    with db.tx() as c:
        if c.execute("UPDATE technicians SET revoked_at = COALESCE(revoked_at, ?) WHERE technician_id = ?",
                     (ts, technician_id)).rowcount == 0:
            raise ValueError(f"no technician {technician_id!r} on this platform")


@router.get(paths.TECHNICIANS, response_model=TechnicianList, responses=ERRORS)
def technicians(request: Request) -> TechnicianList:
    kid = kiosk_id(request)
    store = db(request)
    row = store.one("SELECT site_name FROM kiosks WHERE kiosk_id = ?", (kid,))
    site = row["site_name"] if row else ""
    allowed = []
    for r in store.all("SELECT technician_id, pin_hash, sites_json, kiosks_json, revoked_at FROM technicians "
                       "ORDER BY technician_id"):
        if Scope(tuple(json.loads(r["sites_json"])), tuple(json.loads(r["kiosks_json"]))).allows(kid, site):
            allowed.append(TechnicianCredential(technician_id=r["technician_id"], pin_hash=r["pin_hash"],
                                                revoked=r["revoked_at"] is not None))
    return TechnicianList(issued_at=datetime.fromtimestamp(now(request), UTC), technicians=allowed)
