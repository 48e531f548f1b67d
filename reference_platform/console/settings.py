"""The console's knobs: thresholds for alerts, the sweep interval, the webhook, case due dates."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsoleSettings:
    offline_after_s: float = 90.0
    """A kiosk whose last heartbeat is older than this is offline (three missed 30 s beats)."""
    backlog_alert_s: float = 3600.0
    """Alert when the oldest unsent journal entry is older than this."""
    sweep_interval_s: float = 30.0
    """How often the background sweep looks for kiosks gone silent (offline is seen only by a timer)."""
    webhook_url: str | None = None
    """Alerts opened are also POSTed here as JSON (best effort, retried, never in a request's way)."""
    case_due_days: float = 3.0
    """A bad rating must be called back within this many days (the kiosk promises 3 working days)."""
    session_s: float = 8 * 3600.0
    """A console session lasts one working day."""

    def __post_init__(self) -> None:
        for name in ("offline_after_s", "backlog_alert_s", "sweep_interval_s", "case_due_days", "session_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            raise ValueError("the alert webhook must be an http(s) URL")
