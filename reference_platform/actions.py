"""Remote actions on the platform side: queued by an operator, handed out with heartbeats, answered by the kiosk.

A kiosk cannot be reached from outside its hall, so an action waits in ``remote_actions``
until the kiosk's next heartbeat carries it out (``pending_for``), and keeps being handed
out until the kiosk answers it for good (``record_ack`` with done, failed or refused). A
``deferred`` answer (a citizen was being served) is kept in the history and leaves the
action pending. Every answer is kept (``remote_action_acks``) so the console can show
what happened when; the payload of an answer (masked log text, a screenshot) is kept
with the action and read back by ``action_payload``.

The console, the CLI (``kiosk platform action``) and the tests call these functions
directly on the ``Database``; the kiosk reaches only ``record_ack``, through the signed
route in ``reference_platform.routes.actions``, and only for its own actions.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk.platform.contract.actions import (
    ACTION_KINDS,
    FINAL_ACK_STATUSES,
    MAX_PARAM_CHARS,
    MAX_PAYLOAD_BYTES,
    ActionAck,
    RemoteAction,
)
from reference_platform.db import Database

PAYLOAD_MEDIA_TYPES = {"log_text": "text/plain; charset=utf-8", "png": "image/png"}
MAX_LOG_LINES = 5000
PENDING = ("pending", "deferred")
"""Statuses whose action is still handed out with every heartbeat."""


class ActionError(ValueError):
    """An action that cannot be queued (unknown kiosk, kind or parameter), with the reason."""


class UnknownAction(LookupError):
    """No such action for this kiosk: another kiosk's action is as unknown as one never issued."""


def check_params(kind: str, params: dict[str, str]) -> dict[str, str]:
    """The parameters ``kind`` takes, checked; raises ``ActionError`` naming what is wrong.

    A configuration fragment is only parsed as TOML here; the kiosk validates it against its
    own schema (``kiosk config check``) and refuses it with the message when it does not fit.
    """
    if kind not in ACTION_KINDS:
        raise ActionError(f"unknown action kind {kind!r}; one of {', '.join(ACTION_KINDS)}")
    allowed = {"config_push": {"toml"}, "upload_logs": {"lines"}}.get(kind, set())
    extra = sorted(set(params) - allowed)
    if extra:
        raise ActionError(f"{kind} takes no parameter {', '.join(extra)}"
                          + (f" (only {', '.join(sorted(allowed))})" if allowed else ""))
    if sum(len(k) + len(v) for k, v in params.items()) > MAX_PARAM_CHARS:
        raise ActionError(f"parameters are at most {MAX_PARAM_CHARS} characters")
    if kind == "config_push":
        if not params.get("toml", "").strip():
            raise ActionError("config_push needs toml=<the configuration fragment>")
        try:
            tomllib.loads(params["toml"])
        except tomllib.TOMLDecodeError as exc:
            raise ActionError(f"the configuration fragment is not valid TOML: {exc}") from None
    if kind == "upload_logs" and "lines" in params:
        lines = params["lines"]
        if not (lines.isascii() and lines.isdigit() and 1 <= int(lines) <= MAX_LOG_LINES):
            raise ActionError(f"lines must be a whole number from 1 to {MAX_LOG_LINES}")
    return dict(params)


def queue_action(db: Database, kiosk_id: str, kind: str, params: dict[str, str] | None = None,
                 issued_by: str = "operator", *, now: float | None = None) -> str:
    """Queue ``kind`` for ``kiosk_id``; returns the new action id. ``issued_by`` is who asked (for the audit)."""
    checked = check_params(kind, params or {})
    ts = now if now is not None else datetime.now(UTC).timestamp()
    action_id = "A-" + secrets.token_hex(8)
    with db.tx() as c:
        if c.execute("SELECT 1 FROM kiosks WHERE kiosk_id = ?", (kiosk_id,)).fetchone() is None:
            raise ActionError(f"no kiosk {kiosk_id!r} on this platform")
        c.execute("INSERT INTO remote_actions (action_id, kiosk_id, kind, params_json, issued_by, issued_at)"
                  " VALUES (?, ?, ?, ?, ?, ?)",
                  (action_id, kiosk_id, kind, json.dumps(checked, ensure_ascii=False), issued_by[:120], ts))
    return action_id


def pending_for(db: Database, kiosk_id: str) -> list[RemoteAction]:
    """The actions ``kiosk_id`` has not answered for good, oldest first: what its heartbeat answer carries."""
    rows = db.all("SELECT action_id, kind, params_json, issued_at FROM remote_actions WHERE kiosk_id = ?"
                  " AND status IN (?, ?) ORDER BY issued_at, action_id", (kiosk_id, *PENDING))
    return [RemoteAction(action_id=r["action_id"], kind=r["kind"], params=json.loads(r["params_json"]),
                         issued_at=datetime.fromtimestamp(r["issued_at"], UTC)) for r in rows]


def decode_payload(ack: ActionAck) -> bytes | None:
    """The answer's payload as bytes, checked: base64, within the cap, and a PNG when it says so."""
    if ack.payload_base64 is None:
        if ack.payload_kind is not None:
            raise ActionError("payload_kind without payload_base64")
        return None
    if ack.payload_kind is None:
        raise ActionError("payload_base64 without payload_kind")
    try:
        data = base64.b64decode(ack.payload_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ActionError("payload_base64 is not base64") from None
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ActionError(f"the payload is at most {MAX_PAYLOAD_BYTES} bytes")
    if ack.payload_kind == "png" and not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ActionError("payload_kind png but the payload is not a PNG")
    if ack.payload_kind == "log_text":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ActionError("log text must be UTF-8") from None
    return data


def record_ack(db: Database, kiosk_id: str, action_id: str, ack: ActionAck, *, now: float | None = None) -> str:
    """Keep ``kiosk_id``'s answer to its action ``action_id``; returns the action's status afterwards.

    ``UnknownAction`` when the action is not this kiosk's; ``ActionError`` for a bad payload.
    A final answer after a final one is kept in the history and changes nothing: the kiosk
    carries an action out at most once, so a second final answer is a resend.
    """
    payload = decode_payload(ack)
    ts = now if now is not None else datetime.now(UTC).timestamp()
    with db.tx() as c:
        row = c.execute("SELECT status FROM remote_actions WHERE action_id = ? AND kiosk_id = ?",
                        (action_id, kiosk_id)).fetchone()
        if row is None:
            raise UnknownAction(action_id)
        c.execute("INSERT INTO remote_action_acks (action_id, status, detail, received_at, payload_kind)"
                  " VALUES (?, ?, ?, ?, ?)", (action_id, ack.status, ack.detail, ts, ack.payload_kind))
        status = row["status"]
        if status in FINAL_ACK_STATUSES:
            return status
        status = ack.status if ack.status in FINAL_ACK_STATUSES else "deferred"
        c.execute("UPDATE remote_actions SET status = ?, detail = ?, acked_at = ? WHERE action_id = ?",
                  (status, ack.detail, ts, action_id))
        if payload is not None:
            c.execute("UPDATE remote_actions SET payload_kind = ?, payload = ? WHERE action_id = ?",
                      (ack.payload_kind, payload, action_id))
    return status


def actions_for(db: Database, kiosk_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """``kiosk_id``'s latest actions, newest first, for the console.

    Each: ``action_id, kind, params, issued_by, issued_at, status`` (pending, deferred, done,
    failed, refused), ``detail``, ``acked_at`` (Unix times), ``has_payload``, ``payload_kind``
    and ``acks`` (every answer, oldest first: ``status, detail, received_at, payload_kind``).
    """
    rows = db.all("SELECT action_id, kind, params_json, issued_by, issued_at, status, detail, acked_at,"
                  " payload_kind, payload IS NOT NULL AS has_payload FROM remote_actions WHERE kiosk_id = ?"
                  " ORDER BY issued_at DESC, action_id DESC LIMIT ?", (kiosk_id, limit))
    out = []
    for r in rows:
        acks = db.all("SELECT status, detail, received_at, payload_kind FROM remote_action_acks"
                      " WHERE action_id = ? ORDER BY id", (r["action_id"],))
        out.append({"action_id": r["action_id"], "kind": r["kind"], "params": json.loads(r["params_json"]),
                    "issued_by": r["issued_by"], "issued_at": r["issued_at"], "status": r["status"],
                    "detail": r["detail"], "acked_at": r["acked_at"], "has_payload": bool(r["has_payload"]),
                    "payload_kind": r["payload_kind"], "acks": [dict(a) for a in acks]})
    return out


@dataclass(frozen=True)
class Payload:
    """What a kiosk sent back with an action: masked log text or a PNG of its attract screen."""

    action_id: str
    kiosk_id: str
    kind: str
    media_type: str
    data: bytes

    @property
    def filename(self) -> str:
        return f"{self.kiosk_id}-{self.action_id}." + ("png" if self.kind == "png" else "txt")


def action_payload(db: Database, action_id: str) -> Payload | None:
    """The payload of ``action_id``, or None when it has none. The caller checks who may see ``kiosk_id``'s."""
    row = db.one("SELECT kiosk_id, payload_kind, payload FROM remote_actions WHERE action_id = ?"
                 " AND payload IS NOT NULL", (action_id,))
    if row is None:
        return None
    return Payload(action_id, row["kiosk_id"], row["payload_kind"], PAYLOAD_MEDIA_TYPES[row["payload_kind"]],
                   bytes(row["payload"]))
