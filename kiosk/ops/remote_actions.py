"""Remote actions from the platform, carried out at most once and answered (``kiosk.ops.action_kinds`` does each).

The platform hands every action it has not had a final answer to with each heartbeat's
answer, so the same action arrives again and again until the kiosk's answer gets through.
Carrying one out twice would print two test pages or reboot twice, so before an action
starts its id is written durably to ``remote-actions.json`` in the state folder (fsynced,
replaced atomically), and its outcome likewise before it is answered. After a crash an
action that started and never finished is answered ``failed`` ("interrupted") and not run
again; one that finished but whose answer was lost is answered again from the record.

It runs on the heartbeat thread, never the UI thread (a screenshot is taken by the app on
its own thread, through the hook the app registers). While a citizen is being served, or a
technician has the screen, the actions that would disturb them (``DEFER_WHEN_BUSY``) are
answered ``deferred`` once and tried again with each later heartbeat.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.platform.contract.actions import ActionAck, RemoteAction

log = logging.getLogger(__name__)

DONE_FILE = "remote-actions.json"
KEEP = 500
"""Action ids remembered: far more than a kiosk gets between two heartbeats the platform answers."""
DEFER_WHEN_BUSY = frozenset({"restart_app", "reboot", "screenshot", "config_push", "print_test_page"})
"""Never while a citizen is served: a restart or reboot would end the visit, a screenshot would show it, a pushed
configuration applies by a restart, and a test page would come out among the citizen's slips."""
INTERRUPTED = "interrupted: the kiosk stopped while carrying it out; not repeated"


class Deferred(Exception):
    """Raised by an action that found the screen busy after all (the check and the act are not atomic)."""


@dataclass(frozen=True)
class Result:
    status: str
    """done, failed or refused."""
    detail: str = ""
    payload_kind: str | None = None
    payload: bytes | None = None
    then: Callable[[], None] | None = None
    """What follows the answer (leaving for a restart): the platform hears first, the kiosk goes after."""

    def ack(self) -> ActionAck:
        encoded = base64.b64encode(self.payload).decode() if self.payload is not None else None
        return ActionAck(status=self.status, detail=self.detail[:2000], payload_kind=self.payload_kind,
                         payload_base64=encoded)


Kind = Callable[[RemoteAction], Result]


class DoneIds:
    """The ids of actions started, with their outcome once known, kept on disk across crashes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, dict[str, Any]] = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # Unreadable: better to refuse old actions again than to run any twice.
            log.error("remote action record %s unreadable (%s): answering its actions as interrupted", self.path, exc)
            return {}
        return {k: v for k, v in data.get("actions", {}).items() if isinstance(v, dict)}

    def get(self, action_id: str) -> dict[str, Any] | None:
        return self._entries.get(action_id)

    def started(self, action: RemoteAction) -> None:
        self._entries[action.action_id] = {"kind": action.kind, "started_at": time.time(), "status": None}
        self._save()

    def finished(self, action_id: str, result: Result) -> None:
        self._entries[action_id].update(status=result.status, detail=result.detail[:2000])
        self._save()

    def forget(self, action_id: str) -> None:
        self._entries.pop(action_id, None)
        self._save()

    def _save(self) -> None:
        while len(self._entries) > KEEP:
            self._entries.pop(next(iter(self._entries)))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump({"actions": self._entries}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class RemoteActions:
    """Carries out the actions of each heartbeat answer and answers them (``handle``, heartbeat thread)."""

    def __init__(self, state_dir: Path, ack: Callable[[str, ActionAck], object], kinds: dict[str, Kind],
                 busy: Callable[[], str | None]) -> None:
        self.ack = ack
        """Sends one answer (``PlatformClient.ack_action``); raises when it did not get through."""
        self.kinds = kinds
        self.busy = busy
        """Why the screen must not be disturbed now ("a citizen's visit is in progress"), or None."""
        self.done = DoneIds(state_dir / DONE_FILE)
        self._deferred: set[str] = set()
        self._unsent: dict[str, ActionAck] = {}
        """Answers (with their payload) that did not get through yet, in this process."""
        self._lock = threading.Lock()

    def handle(self, actions: Iterable[RemoteAction]) -> None:
        with self._lock:  # one heartbeat answer at a time, even if a test beats from another thread
            for action in actions:
                try:
                    self._one(action)
                except Exception:  # one action must not keep the others (or the heartbeat) from running
                    log.exception("remote action %s (%s) not handled", action.action_id, action.kind)

    def _one(self, action: RemoteAction) -> None:
        record = self.done.get(action.action_id)
        if record is not None:
            self._answer_again(action, record)
            return
        kind = self.kinds.get(action.kind)
        if kind is None:
            self._carry_out(action, lambda _a: Result("refused", f"this kiosk cannot {action.kind}"))
            return
        why = self.busy() if action.kind in DEFER_WHEN_BUSY else None
        if why:
            self._defer(action, why)
            return
        self._carry_out(action, kind)

    def _carry_out(self, action: RemoteAction, kind: Kind) -> None:
        self.done.started(action)
        log.info("remote action %s: %s", action.action_id, action.kind, extra={"kiosk_event": "remote_action"})
        try:
            result = kind(action)
        except Deferred as exc:
            self.done.forget(action.action_id)  # nothing was done: it may run at a later heartbeat
            self._defer(action, str(exc))
            return
        except Exception as exc:
            log.exception("remote action %s (%s) failed", action.action_id, action.kind)
            result = Result("failed", f"{type(exc).__name__}: {exc}")
        self.done.finished(action.action_id, result)
        self._send(action.action_id, result.ack())
        if result.then is not None:
            result.then()

    def _answer_again(self, action: RemoteAction, record: dict[str, Any]) -> None:
        ack = self._unsent.get(action.action_id)
        if ack is None:
            status = record.get("status")
            if status is None:
                ack = ActionAck(status="failed", detail=INTERRUPTED)
            else:
                detail = record.get("detail", "")
                ack = ActionAck(status=status, detail=detail)
        self._send(action.action_id, ack)

    def _defer(self, action: RemoteAction, why: str) -> None:
        if action.action_id in self._deferred:
            return  # said once; the platform keeps it pending and hands it out again
        if self._send(action.action_id, ActionAck(status="deferred", detail=why)):
            self._deferred.add(action.action_id)

    def _send(self, action_id: str, ack: ActionAck) -> bool:
        try:
            self.ack(action_id, ack)
        except Exception as exc:
            log.warning("answer to remote action %s not delivered: %s", action_id, type(exc).__name__)
            if ack.status != "deferred":
                self._unsent[action_id] = ack
            return False
        self._unsent.pop(action_id, None)
        return True
