"""Technician PIN: a salted scrypt hash in the config, and a lock-out after failures.

The kiosk stands unattended in public, so the PIN is the only thing between a curious
citizen and the device self-tests and log export. The hash format is
``scrypt$N$r$p$salt_hex$hash_hex`` so the cost can rise later without breaking old
configs; comparisons are constant-time; a PIN anyone would try first (one digit
repeated, a run like 123456 or 987654, a short pattern repeated like 121212) is refused
when it is set. Five wrong PINs lock the prompt for five minutes, doubling on each
further lock-out up to an hour. The lock runs on the boot-time clock, which nobody can
set back (the wall clock can be, from the BIOS); it is kept in a state file with the
boot's id, and a lock found after a reboot starts again in full, so pulling the plug
never shortens it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

N, R, P = 2**14, 8, 1
MAX_FAILURES = 5
LOCKOUT_S = 300.0
MAX_LOCKOUT_S = 3600.0
"""The doubling stops here: a technician locked out by a prankster can still work that day."""
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
PIN_STATE_FILE = "technician-pin.json"
"""Failures and lock-out, in the kiosk's state folder."""
UNLOCK_FILE = "technician-unlock.json"
"""The platform's last unlock the kiosk applied, so each one lifts a lock-out once."""


def boot_clock() -> float:
    """Seconds since boot, counting suspend; cannot be set back like the wall clock."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def boot_id() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""


class PinFormatError(ValueError):
    pass


def trivial(pin: str) -> bool:
    """A PIN guessed first: one digit repeated, a run up or down (…7890…), a 2- or 3-digit pattern repeated."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {0, 1, 9}:
        return True
    return any(len(pin) % n == 0 and pin == pin[:n] * (len(pin) // n) for n in (2, 3))


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise PinFormatError("a technician PIN has 6 to 12 digits")
    if trivial(pin):
        raise PinFormatError("this PIN is among the first anyone would try (repeated digits, a run like 123456, "
                             "a repeated pattern); choose another")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p),
                                dklen=len(digest_hex) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


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
        if not self.stored_hash or self.locked_for() > 0:
            return False
        if verify_pin(pin, self.stored_hash):
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
    PinGate("", state_dir / PIN_STATE_FILE).reset()
    record.write_text(json.dumps({"applied": unlock_at}))
    return True
