"""Technician PIN: a salted scrypt hash in the config, and a lock-out after failures.

The kiosk stands unattended in public, so the PIN is the only thing between a curious
citizen and the device self-tests and log export. The hash format is
``scrypt$N$r$p$salt_hex$hash_hex`` so the cost can rise later without breaking old
configs; comparisons are constant-time; five wrong PINs lock the prompt for five
minutes, doubling on each further lock-out, and survive a restart via a state file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

N, R, P = 2**14, 8, 1
MAX_FAILURES = 5
LOCKOUT_S = 300.0


class PinFormatError(ValueError):
    pass


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise PinFormatError("a technician PIN has 6 to 12 digits")
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

    def __init__(self, stored_hash: str, state_file: Path, clock: Callable[[], float] = time.time) -> None:
        self.stored_hash = stored_hash
        self.state_file = state_file
        self._clock = clock
        self._failures, self._locked_until, self._lockouts = 0, 0.0, 0
        try:
            data = json.loads(state_file.read_text())
            self._failures = int(data["failures"])
            self._locked_until = float(data["locked_until"])
            self._lockouts = int(data["lockouts"])
        except (OSError, ValueError, KeyError, TypeError):
            pass

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"failures": self._failures, "locked_until": self._locked_until,
                                   "lockouts": self._lockouts}))
        os.replace(tmp, self.state_file)

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
            self._failures, self._lockouts = 0, 0
            self._save()
            return True
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._locked_until = self._clock() + LOCKOUT_S * (2 ** self._lockouts)
            self._lockouts += 1
            self._failures = 0
        self._save()
        return False
