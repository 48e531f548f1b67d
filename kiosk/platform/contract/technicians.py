"""Technicians the platform issues: who may open technician mode on which kiosk, and the PIN hash format.

The platform keeps each technician's PIN only as a salted scrypt hash and sends a kiosk the
hashes of the technicians allowed on it, so a kiosk can check a PIN while the platform is
away without ever holding one. The hash format is part of the contract because both sides
read it: ``scrypt$N$r$p$salt_hex$hash_hex`` carries its own cost parameters, so the cost can
rise later without breaking hashes already issued. A PIN anyone would try first (one digit
repeated, a run like 123456 or 987654, a short pattern repeated like 121212) is refused when
it is set, on the kiosk and on the platform alike.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
from datetime import datetime

from pydantic import Field

from kiosk.platform.contract._base import ContractModel

N, R, P = 2**14, 8, 1
PIN_MIN, PIN_MAX = 6, 12
TECHNICIAN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
PIN_HASH_PATTERN = r"^scrypt\$[0-9]{1,8}\$[0-9]{1,3}\$[0-9]{1,3}\$[0-9a-f]{16,128}\$[0-9a-f]{32,128}$"


class PinFormatError(ValueError):
    pass


def trivial(pin: str) -> bool:
    """A PIN guessed first: one digit repeated, a run up or down (…7890…), a 2- or 3-digit pattern repeated."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {0, 1, 9}:
        return True
    return any(len(pin) % n == 0 and pin == pin[:n] * (len(pin) // n) for n in (2, 3))


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    if not (pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise PinFormatError(f"a technician PIN has {PIN_MIN} to {PIN_MAX} digits")
    if trivial(pin):
        raise PinFormatError("this PIN is among the first anyone would try (repeated digits, a run like 123456, "
                             "a repeated pattern); choose another")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of ``pin`` against a stored hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt" or int(n) > 2**20:  # a hash from elsewhere must not make the kiosk hash for minutes
            return False
        digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p),
                                dklen=len(digest_hex) // 2, maxmem=2**27)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def issue_pin() -> str:
    """A random 8-digit PIN that is not trivial, for a technician the platform issues one to."""
    while True:
        pin = f"{secrets.randbelow(10**8):08d}"
        if not trivial(pin):
            return pin


class TechnicianCredential(ContractModel):
    """One technician allowed on the calling kiosk: an id and a hash, never the PIN."""

    technician_id: str = Field(pattern=TECHNICIAN_ID_PATTERN)
    pin_hash: str = Field(pattern=PIN_HASH_PATTERN)
    revoked: bool = False
    """Revoked on the platform: the kiosk refuses this technician from its next fetch on."""


class TechnicianList(ContractModel):
    """The technicians allowed on the signing kiosk, as the platform holds them now."""

    issued_at: datetime
    technicians: list[TechnicianCredential]
