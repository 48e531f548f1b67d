"""Remote actions end to end: queued on the real platform (a child process on loopback), delivered in
the heartbeat's answer to a real kiosk runtime with emulated devices, carried out at most once, deferred
while a citizen is served, and answered over HTTP."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config
from kiosk.ops.fieldops import RESTART_EXIT_CODE
from kiosk.ops.pin import PIN_STATE_FILE, PinGate
from kiosk.ops.remote_actions import DONE_FILE, INTERRUPTED, RemoteActions
from reference_platform.actions import action_payload, actions_for, queue_action
from reference_platform.db import Database
from tests.kiosk.journeys.harness import Kiosk


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    k = Kiosk(tmp_path, metrics={"enabled": False, "heartbeat_s": 3600})
    exits: list[int] = []
    k.runtime.field.exit = exits.append  # leaving the process would end the test run
    k.exits = exits  # type: ignore[attr-defined]
    try:
        yield k
    finally:
        k.close()


def _queue(k: Kiosk, kind: str, params: dict[str, str] | None = None) -> str:
    db = Database(k.runtime.server.db_path)
    try:
        return queue_action(db, k.runtime.cfg.kiosk.id, kind, params or {}, "test")
    finally:
        db.close()


def _state(k: Kiosk, action_id: str) -> dict:
    db = Database(k.runtime.server.db_path)
    try:
        return next(a for a in actions_for(db, k.runtime.cfg.kiosk.id, 100) if a["action_id"] == action_id)
    finally:
        db.close()


def _payload(k: Kiosk, action_id: str) -> bytes:
    db = Database(k.runtime.server.db_path)
    try:
        got = action_payload(db, action_id)
    finally:
        db.close()
    assert got is not None
    return got.data


def test_a_test_page_is_printed_once_even_after_a_crash(kiosk: Kiosk) -> None:
    rt = kiosk.runtime
    printer = rt.devices.emulators.printer
    before = len(printer.pages)
    action_id = _queue(kiosk, "print_test_page")
    assert rt.heartbeat.beat()
    printer.wait_pages(before + 1)
    state = _state(kiosk, action_id)
    assert state["status"] == "done", state
    # The platform hands it out again (as if our answer had been lost); a fresh executor on the same
    # state folder, as after a crash, answers from its record instead of printing again.
    db = Database(rt.server.db_path)
    try:
        with db.tx() as c:
            c.execute("UPDATE remote_actions SET status = 'pending' WHERE action_id = ?", (action_id,))
    finally:
        db.close()
    rt.remote = RemoteActions(rt.state_dir, rt.client.ack_action, rt.remote.kinds, rt.screen_busy)
    assert rt.heartbeat.beat()
    time.sleep(0.5)
    assert len(printer.pages) == before + 1
    acks = [a["status"] for a in _state(kiosk, action_id)["acks"]]
    assert set(acks) == {"done"} and len(acks) >= 2  # answered again from the record


def test_an_action_interrupted_by_a_crash_is_not_run_again(kiosk: Kiosk) -> None:
    rt = kiosk.runtime
    action_id = _queue(kiosk, "reboot")
    (rt.state_dir / DONE_FILE).write_text(json.dumps({"actions": {action_id: {"kind": "reboot", "status": None}}}))
    ran: list[list[str]] = []
    rt.field.run_command = lambda argv: ran.append(argv)
    rt.remote = RemoteActions(rt.state_dir, rt.client.ack_action, rt.remote.kinds, rt.screen_busy)
    assert rt.heartbeat.beat()
    state = _state(kiosk, action_id)
    assert (state["status"], state["detail"]) == ("failed", INTERRUPTED) and ran == []


def test_restart_waits_for_the_citizen_then_exits_for_systemd(kiosk: Kiosk) -> None:
    rt, controller = kiosk.runtime, kiosk.controller
    action_id = _queue(kiosk, "restart_app")
    controller.start_visit()
    assert rt.heartbeat.beat() and rt.heartbeat.beat()
    state = _state(kiosk, action_id)
    assert state["status"] == "deferred" and kiosk.exits == []
    assert [a["status"] for a in state["acks"]] == ["deferred"]  # said once, not at every heartbeat
    controller.end_visit("timeout")
    assert rt.heartbeat.beat()
    assert _state(kiosk, action_id)["status"] == "done" and kiosk.exits == [RESTART_EXIT_CODE]


def test_reboot_runs_the_configured_command(kiosk: Kiosk, tmp_path: Path) -> None:
    rt = kiosk.runtime
    marker = tmp_path / "rebooted"
    rt.field.reboot_command = ("sh", "-c", f"echo now > {marker}")
    ok = _queue(kiosk, "reboot")
    assert rt.heartbeat.beat()
    assert marker.read_text().strip() == "now" and _state(kiosk, ok)["status"] == "done"
    rt.field.reboot_command = ("sh", "-c", "echo 'Access denied' >&2; exit 1")
    refused = _queue(kiosk, "reboot")
    assert rt.heartbeat.beat()
    state = _state(kiosk, refused)
    assert state["status"] == "failed" and "Access denied" in state["detail"]


def test_uploaded_logs_are_masked_and_capped(kiosk: Kiosk) -> None:
    rt = kiosk.runtime
    logging.getLogger("kiosk.test").warning("card 440106199001011234 read for 13800138000")
    action_id = _queue(kiosk, "upload_logs", {"lines": "50"})
    assert rt.heartbeat.beat()
    text = _payload(kiosk, action_id).decode()
    assert "kiosk.test" in text and "440106199001011234" not in text and "13800138000" not in text
    assert len(text.splitlines()) <= 50 and _state(kiosk, action_id)["status"] == "done"


def test_pin_reset_lifts_the_lockout(kiosk: Kiosk) -> None:
    rt = kiosk.runtime
    gate = PinGate("", rt.state_dir / PIN_STATE_FILE)
    for _ in range(5):
        gate.attempt(lambda: False)
    assert PinGate("", rt.state_dir / PIN_STATE_FILE).locked_for() > 0
    action_id = _queue(kiosk, "technician_pin_reset")
    assert rt.heartbeat.beat()
    assert PinGate("", rt.state_dir / PIN_STATE_FILE).locked_for() == 0
    assert _state(kiosk, action_id)["status"] == "done"


def test_a_headless_kiosk_refuses_a_screenshot(kiosk: Kiosk) -> None:
    action_id = _queue(kiosk, "screenshot")
    assert kiosk.runtime.heartbeat.beat()
    state = _state(kiosk, action_id)
    assert state["status"] == "refused" and "headless" in state["detail"]


def test_a_screenshot_is_taken_only_of_the_attract_screen(kiosk: Kiosk) -> None:
    from PIL import Image

    from kiosk.ops.remote_actions import Deferred

    rt, controller = kiosk.runtime, kiosk.controller
    big = Image.new("RGB", (1080, 1920), "navy")

    def capture() -> bytes:  # what the app's hook hands over: a PNG of the window, refused off attract
        if controller.screen_busy():
            raise Deferred(controller.screen_busy())
        import io

        out = io.BytesIO()
        big.save(out, format="PNG")
        return out.getvalue()

    rt.screen_capture = capture
    action_id = _queue(kiosk, "screenshot")
    controller.start_visit()
    assert rt.heartbeat.beat()
    assert _state(kiosk, action_id)["status"] == "deferred"
    controller.end_visit("timeout")
    assert rt.heartbeat.beat()
    with Image.open(__import__("io").BytesIO(_payload(kiosk, action_id))) as shot:
        assert max(shot.size) == 720 and shot.format == "PNG"


def test_config_push_is_validated_written_and_applied_by_a_restart(kiosk: Kiosk, tmp_path: Path) -> None:
    rt = kiosk.runtime
    state = tmp_path / "file-state"
    path = tmp_path / "kiosk.toml"
    path.write_text(f'[kiosk]\nstate_dir = "{state}"\nscreen_timeout_s = 90\n', encoding="utf-8")
    rt.cfg = config.load(path)
    bad = _queue(kiosk, "config_push", {"toml": "[kiosk]\nscreen_timeout_s = 5\n"})
    forbidden = _queue(kiosk, "config_push", {"toml": '[kiosk]\nid = "someone-else"\n'})
    good = _queue(kiosk, "config_push", {"toml": "[kiosk]\nscreen_timeout_s = 120\n"})
    assert rt.heartbeat.beat()
    refused = _state(kiosk, bad)
    assert refused["status"] == "refused" and "kiosk.screen_timeout_s" in refused["detail"]
    assert "greater than or equal to 30" in refused["detail"]
    assert _state(kiosk, forbidden)["status"] == "refused" and "kiosk.id" in _state(kiosk, forbidden)["detail"]
    assert _state(kiosk, good)["status"] == "done" and kiosk.exits == [RESTART_EXIT_CODE]
    [dropin] = (state / config.DROPIN_DIR).glob("*.toml")
    assert good in dropin.name
    assert config.load(path).kiosk.screen_timeout_s == 120  # what the restarted kiosk reads


def test_demo_defaults_take_no_pushed_configuration(kiosk: Kiosk) -> None:
    action_id = _queue(kiosk, "config_push", {"toml": "[kiosk]\nscreen_timeout_s = 120\n"})
    assert kiosk.runtime.heartbeat.beat()
    assert _state(kiosk, action_id)["status"] == "refused" and kiosk.exits == []


def test_ack_payload_round_trip_is_base64() -> None:
    from kiosk.ops.remote_actions import Result

    ack = Result("done", "x", "log_text", "日志".encode()).ack()
    assert base64.b64decode(ack.payload_base64 or "").decode() == "日志"
