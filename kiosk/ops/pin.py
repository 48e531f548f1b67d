"""Technician PINs: issued per technician by the platform, a local bootstrap PIN, and a lock-out after failures.

The kiosk stands unattended in public, so the PIN is the only thing between a curious
citizen and the device self-tests and log export. The platform issues each technician an
id and a PIN and sends the kiosk only salted scrypt hashes of the technicians allowed on
it (``kiosk.platform.contract.technicians``); the kiosk keeps that list in its state folder
(``technicians.json``) so a technician can sign in while the platform is away, and a
technician revoked on the platform is refused from the next fetch on. Until the platform
lists a technician for this kiosk (a kiosk that never reached it, or a platform that has
issued none yet), the PIN set at provisioning (``[kiosk] technician_pin_hash``) is the way
in, recorded in the audit as ``local``; from the first listed technician on it no longer
opens anything (revoked ones stay listed), so a shared PIN cannot outlive the rollout of
personal ones.
Five wrong PINs lock the prompt for five minutes, doubling on each further lock-out up
to an hour. The lock runs on the boot-time clock, which nobody can set back (the wall
clock can be, from the BIOS); it is kept in a state file with the boot's id, and a lock
found after a reboot starts again in full, so pulling the plug never shortens it.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.platform.contract.technicians import (
    N,
    P,
    PinFormatError,
    R,
    TechnicianList,
    hash_pin,
    trivial,
    verify_pin,
)

MAX_FAILURES = 5
LOCKOUT_S = 300.0
MAX_LOCKOUT_S = 3600.0
"""The doubling stops here: a technician locked out by a prankster can still work that day."""
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
PIN_STATE_FILE = "technician-pin.json"
"""Failures and lock-out, in the kiosk's state folder."""
UNLOCK_FILE = "technician-unlock.json"
"""The platform's last unlock the kiosk applied, so each one lifts a lock-out once."""
log = logging.getLogger(__name__)
ROSTER_FILE = "technicians.json"
"""The platform's latest technician list for this kiosk: ids and salted hashes, never a PIN."""
LOCAL_ID = "local"
"""The audit's name for whoever used the PIN set at provisioning."""


def boot_clock() -> float:
    """Seconds since boot, counting suspend; cannot be set back like the wall clock."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def boot_id() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""


class PinGate:
    """Counts failures and enforces the lock-out; state is persisted so a reboot doesn't reset it."""

    def __init__(self, stored_hash: str, state_file: Path, clock: Callable[[], float] = boot_clock,
                 boot: Callable[[], str] = boot_id) -> None:
        self.stored_hash = stored_hash
        self.state_file = state_file
        self._clock = clock
        self._boot = boot()
        self._failures, self._locked_until, self._lockouts, self._lock_s = 0, 0.0, 0, 0.0
        try:
            data = json.loads(state_file.read_text())
            self._failures = int(data["failures"])
            self._locked_until = float(data["locked_until"])
            self._lockouts = int(data["lockouts"])
            self._lock_s = float(data.get("lock_s", 0.0))
            if data.get("boot") != self._boot and self._lock_s > 0:
                self._locked_until = self._clock() + self._lock_s  # another boot: the clock restarted, so does the lock
                self._save()
        except (OSError, ValueError, KeyError, TypeError):
            pass

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"failures": self._failures, "locked_until": self._locked_until,
                                   "lockouts": self._lockouts, "lock_s": self._lock_s, "boot": self._boot}))
        os.replace(tmp, self.state_file)

    def reset(self) -> None:
        """Lift a lock-out and forget the failures (the platform's or an administrator's reset)."""
        self._failures, self._locked_until, self._lockouts, self._lock_s = 0, 0.0, 0, 0.0
        self._save()

    @property
    def remaining_attempts(self) -> int:
        """Wrong PINs left before the next lock-out."""
        return MAX_FAILURES - self._failures

    def locked_for(self) -> float:
        return max(0.0, self._locked_until - self._clock())

    def try_pin(self, pin: str) -> bool:
        if not self.stored_hash:
            return False
        return self.attempt(lambda: verify_pin(pin, self.stored_hash))

    def attempt(self, check: Callable[[], bool]) -> bool:
        """Run one PIN check unless locked out; a failed one counts towards the lock-out."""
        if self.locked_for() > 0:
            return False
        if check():
            self._failures, self._lockouts, self._lock_s = 0, 0, 0.0
            self._save()
            return True
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._lock_s = min(LOCKOUT_S * (2 ** self._lockouts), MAX_LOCKOUT_S)
            self._locked_until = self._clock() + self._lock_s
            self._lockouts += 1
            self._failures = 0
        self._save()
        return False


class Roster:
    """The technicians this kiosk accepts, cached from the platform; absent until the first fetch."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / ROSTER_FILE

    def store(self, listing: TechnicianList) -> None:
        """Keep the platform's list (atomically: a pulled plug leaves the old list or the new one)."""
        # A temporary file of its own: two heartbeats answered at once (the periodic one and a
        # technician's "send now") must not rename each other's file away.
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.stem + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(listing.model_dump_json())
            os.replace(name, self.path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def load(self) -> TechnicianList | None:
        """The cached list, or None when the kiosk never got one (or the file is damaged: then only the
        bootstrap PIN works, which the audit shows)."""
        try:
            return TechnicianList.model_validate_json(self.path.read_text())
        except (OSError, ValueError):
            return None

    def personal(self) -> bool:
        """True once the platform lists a technician for this kiosk (a revoked one counts: revoking everyone
        must not bring the shared bootstrap PIN back)."""
        listing = self.load()
        return listing is not None and bool(listing.technicians)

    def check(self, technician_id: str, pin: str) -> bool:
        """True when ``technician_id`` is on the list, not revoked, and ``pin`` matches its hash."""
        listing = self.load()
        if listing is None:
            return False
        for tech in listing.technicians:
            if tech.technician_id.casefold() == technician_id.strip().casefold():
                return not tech.revoked and verify_pin(pin, tech.pin_hash)
        verify_pin(pin, _stand_in_hash())  # an unknown id takes as long as a known one: ids are not probed
        return False


def refresh_roster(fetch: Callable[[], TechnicianList], roster: Roster) -> bool:
    """Replace the cached list with the platform's; a failed fetch keeps the cache (the platform may be away)."""
    try:
        listing = fetch()
    except Exception as exc:
        log.warning("technician list not refreshed, the cached one stays: %s", type(exc).__name__)
        return False
    before = roster.load()
    roster.store(listing)
    if before is None or before.technicians != listing.technicians:
        revoked = sum(t.revoked for t in listing.technicians)
        log.info("technician list from the platform: %d technician(s), %d revoked", len(listing.technicians), revoked)
    return True


@functools.cache
def _stand_in_hash() -> str:
    return hash_pin("739146", salt=bytes(16))


def sign_in(gate: PinGate, roster: Roster, technician_id: str, pin: str, local_hash: str) -> str | None:
    """Who signed in (a technician id, or ``LOCAL_ID`` for the bootstrap PIN), or None when refused."""
    if roster.personal():
        return technician_id.strip() if gate.attempt(lambda: roster.check(technician_id, pin)) else None
    if local_hash and gate.attempt(lambda: verify_pin(pin, local_hash)):
        return LOCAL_ID
    return None


def reset_lockout(state_dir: Path) -> None:
    """Lift the technician PIN lock-out and forget the failures; the lock-out is per kiosk, whoever caused it."""
    PinGate("", state_dir / PIN_STATE_FILE).reset()


def apply_remote_unlock(state_dir: Path, unlock_at: float | None) -> bool:
    """Lift the lock-out when the platform's unlock (a Unix time) is newer than the last one applied."""
    if unlock_at is None:
        return False
    record = state_dir / UNLOCK_FILE
    try:
        applied = float(json.loads(record.read_text())["applied"])
    except (OSError, ValueError, KeyError, TypeError):
        applied = 0.0
    if unlock_at <= applied:
        return False
    reset_lockout(state_dir)
    record.write_text(json.dumps({"applied": unlock_at}))
    return True


__all__ = [
    "LOCAL_ID",
    "MAX_FAILURES",
    "PIN_STATE_FILE",
    "ROSTER_FILE",
    "N",
    "P",
    "PinFormatError",
    "PinGate",
    "R",
    "Roster",
    "apply_remote_unlock",
    "hash_pin",
    "reset_lockout",
    "sign_in",
    "trivial",
    "verify_pin",
]
