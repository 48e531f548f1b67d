"""Console sessions in SQLite: the cookie carries a random token, the table only its SHA-256.

Each session has its own CSRF token, put in every form and checked on every POST; with
``SameSite=Strict`` cookies that is two locks on the same door. Cookies are ``Secure``
whenever the request arrived over https (uvicorn honours X-Forwarded-Proto from a trusted
proxy), so a console behind TLS never sends its cookie in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from reference_platform.console.auth import User
from reference_platform.db import Database

COOKIE = "console_session"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Database, response: Response, request: Request, user: User, now: float, lifetime_s: float) -> None:
    token = secrets.token_urlsafe(32)
    with db.tx() as c:
        c.execute("DELETE FROM console_sessions WHERE expires_at <= ?", (now,))
        c.execute("INSERT INTO console_sessions (token_hash, user_name, csrf, created_at, expires_at)"
                  " VALUES (?, ?, ?, ?, ?)",
                  (_hash(token), user.name, secrets.token_urlsafe(24), now, now + lifetime_s))
    response.set_cookie(COOKIE, token, max_age=int(lifetime_s), path="/console", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def current(db: Database, request: Request, now: float) -> Session | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    row = db.one("SELECT s.token_hash, s.csrf, u.name, u.role, u.site FROM console_sessions s"
                 " JOIN console_users u ON u.name = s.user_name WHERE s.token_hash = ? AND s.expires_at > ?",
                 (_hash(token), now))
    if row is None:
        return None
    return Session(User(row["name"], row["role"], row["site"]), row["csrf"], row["token_hash"])


def end(db: Database, response: Response, session: Session) -> None:
    with db.tx() as c:
        c.execute("DELETE FROM console_sessions WHERE token_hash = ?", (session.token_hash,))
    response.delete_cookie(COOKIE, path="/console")


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf, sent or "")
