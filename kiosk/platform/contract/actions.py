"""Remote actions: what an operator asks a kiosk to do, delivered in the heartbeat's answer.

A kiosk behind a hall's NAT cannot be called, so the platform hands each pending action
to the kiosk in its next ``HeartbeatAck`` and keeps handing it until the kiosk answers
with ``POST /v1/actions/{action_id}/ack``. The kiosk carries each action out at most once
(it remembers the ids it started, on disk) and answers ``deferred`` while a citizen is
being served; ``done``, ``failed`` and ``refused`` are final.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kiosk.platform.contract._base import ContractModel
from kiosk.platform.contract.types import Ident

ActionKind = Literal["restart_app", "reboot", "print_test_page", "technician_pin_reset", "upload_logs",
                     "screenshot", "config_push"]
ACTION_KINDS: tuple[str, ...] = ("restart_app", "reboot", "print_test_page", "technician_pin_reset",
                                 "upload_logs", "screenshot", "config_push")
AckStatus = Literal["done", "failed", "refused", "deferred"]
FINAL_ACK_STATUSES = frozenset({"done", "failed", "refused"})
"""After one of these the platform stops handing the action out; ``deferred`` keeps it pending."""
PayloadKind = Literal["log_text", "png"]
MAX_PARAM_CHARS = 64 * 1024
"""A pushed configuration fragment fits well under this; anything larger is not a fragment."""
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024
"""Decoded payload cap (masked log text, a downscaled PNG); the route's body cap allows its base64."""
MAX_DETAIL = 2000
UPLOAD_LOG_LINES_DEFAULT = 500


class RemoteAction(ContractModel):
    """One thing an operator asked this kiosk to do."""

    action_id: Ident
    kind: ActionKind
    params: dict[str, str] = Field(default_factory=dict)
    """``config_push``: ``toml`` (the fragment); ``upload_logs``: ``lines`` (how many recent lines, optional)."""
    issued_at: datetime


class ActionAck(ContractModel):
    """The kiosk's answer to an action: final (done, failed, refused) or deferred (still pending)."""

    status: AckStatus
    detail: str = Field(default="", max_length=MAX_DETAIL)
    """Why, in the kiosk's words: a refusal's validation message, a failure's cause; never personal data."""
    payload_kind: PayloadKind | None = None
    payload_base64: str | None = Field(default=None, max_length=(MAX_PAYLOAD_BYTES * 4) // 3 + 4)
    """``upload_logs``: the masked log text (UTF-8); ``screenshot``: a PNG of the attract screen."""


class ActionAckReceipt(ContractModel):
    action_id: str
    status: str
    """The action's status on the platform after this answer (``pending`` after a deferral)."""
    received_at: datetime
