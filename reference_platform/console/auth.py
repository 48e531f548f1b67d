"""Console accounts: roles, argon2 password hashes, login throttling.

Roles: ``operator`` sees every kiosk; ``host`` sees only the kiosks whose enrolled
``site_name`` is the account's site (a bank branch, a community station); ``rating`` works
the 好差评 follow-up (of one site when given one, else of all) and is the only role shown a
citizen's call-back number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reference_platform.console import schema
from reference_platform.db import Database
from reference_platform.limits import MissLimiter

ROLES = ("operator", "host", "rating")
ROLE_LABELS = {"operator": "运维 Operator", "host": "场所 Host", "rating": "好差评专员 Rating officer"}
MIN_PASSWORD = 10
NAME_RE = re.compile(r"^[\w.@-]{2,40}$")
LOGIN_MISSES_ALLOWED = 5
LOGIN_WINDOW_S = 300.0

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")
"""Verified against when the name is unknown, so a miss takes as long as a wrong password."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    site: str

    def sees_site(self, site: str) -> bool:
        return self.role == "operator" or not self.site or self.site == site

    @property
    def scoped(self) -> bool:
        """True when the account is limited to one site (every host; a rating officer given a site)."""
        return self.role != "operator" and bool(self.site)


def add_user(db: Database, name: str, role: str, password: str, site: str, now: float) -> User:
    """Create an account; ``ValueError`` with the reason for bad input or a taken name."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not NAME_RE.match(name):
        raise ValueError("name: 2-40 letters, digits or . _ @ -")
    if role == "host" and not site.strip():
        raise ValueError("a host account needs --site (the site name its kiosks enrolled with)")
    if role == "operator" and site:
        raise ValueError("an operator sees every site; leave out --site")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
    schema.ensure(db)
    with db.tx() as c:
        if c.execute("SELECT 1 FROM console_users WHERE name = ?", (name,)).fetchone():
            raise ValueError(f"an account named {name!r} exists")
        c.execute("INSERT INTO console_users (name, role, site, pw_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                  (name, role, site.strip(), _hasher.hash(password), now))
    return User(name, role, site.strip())


def check_password(db: Database, name: str, password: str) -> User | None:
    """The account when ``password`` is right, else None (same work either way)."""
    row = db.one("SELECT * FROM console_users WHERE name = ?", (name,))
    try:
        _hasher.verify(row["pw_hash"] if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(row["pw_hash"]):
        with db.tx() as c:
            c.execute("UPDATE console_users SET pw_hash = ? WHERE name = ?", (_hasher.hash(password), name))
    return User(row["name"], row["role"], row["site"])


def user(db: Database, name: str) -> User | None:
    row = db.one("SELECT name, role, site FROM console_users WHERE name = ?", (name,))
    return None if row is None else User(row["name"], row["role"], row["site"])


def login_limiter() -> MissLimiter:
    """Failed logins per client address and per account name (a slow guesser on many addresses is still held)."""
    return MissLimiter(LOGIN_MISSES_ALLOWED, LOGIN_WINDOW_S)
