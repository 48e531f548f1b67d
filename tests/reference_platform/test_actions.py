"""Remote actions over HTTP: queued on the platform, handed out with every heartbeat until the
kiosk answers for good, answered only by their own kiosk, payloads kept and checked."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from kiosk.platform.contract import paths
from reference_platform.actions import ActionError, action_payload, actions_for, check_params, queue_action
from reference_platform.db import Database
from reference_platform.seed.operations import DEMO_ENROLMENT_CODE

from .helpers import Signed, assert_problem

BEAT = {"kiosk_version": "test", "uptime_s": 1.0}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _pending(api: Signed) -> list[dict]:
    res = api.post(paths.HEARTBEAT, BEAT)
    assert res.status_code == 200, res.text
    return res.json()["actions"]


def _ack(api: Signed, action_id: str, body: dict) -> requests.Response:
    return api.post(paths.fill(paths.ACTION_ACK, action_id=action_id), body)


@pytest.fixture
def store(platform):
    db = Database(platform.db_path)
    yield db
    db.close()


def test_an_action_is_handed_out_until_answered_for_good(api: Signed, store: Database) -> None:
    action_id = queue_action(store, api.kiosk_id, "print_test_page", {}, "op-1")
    assert action_id in [a["action_id"] for a in _pending(api)]
    assert action_id in [a["action_id"] for a in _pending(api)]  # again: not answered yet
    deferred = _ack(api, action_id, {"status": "deferred", "detail": "a citizen is being served"})
    assert deferred.status_code == 200 and deferred.json()["status"] == "deferred"
    assert action_id in [a["action_id"] for a in _pending(api)]  # deferred stays pending
    done = _ack(api, action_id, {"status": "done", "detail": "test page printed"})
    assert done.json()["status"] == "done"
    assert action_id not in [a["action_id"] for a in _pending(api)]
    late = _ack(api, action_id, {"status": "failed", "detail": "resend"})
    assert late.json()["status"] == "done"  # a final answer stays final
    mine = {a["action_id"]: a for a in actions_for(store, api.kiosk_id, 50)}[action_id]
    assert mine["status"] == "done" and mine["issued_by"] == "op-1" and not mine["has_payload"]
    assert [a["status"] for a in mine["acks"]] == ["deferred", "done", "failed"]


def test_payloads_are_kept_and_checked(api: Signed, store: Database) -> None:
    logs = queue_action(store, api.kiosk_id, "upload_logs", {"lines": "10"}, "op")
    shot = queue_action(store, api.kiosk_id, "screenshot", {}, "op")
    text = "2026-12-05 INFO kiosk: 身份证 4401**********1234\n"
    res = _ack(api, logs, {"status": "done", "payload_kind": "log_text",
                           "payload_base64": base64.b64encode(text.encode()).decode()})
    assert res.status_code == 200, res.text
    not_png = _ack(api, shot, {"status": "done", "payload_kind": "png",
                               "payload_base64": base64.b64encode(b"GIF89a").decode()})
    assert_problem(not_png, 422, "validation")
    assert _ack(api, shot, {"status": "done", "payload_kind": "png",
                            "payload_base64": base64.b64encode(PNG).decode()}).status_code == 200
    got = action_payload(store, logs)
    assert got is not None and got.data.decode() == text and got.media_type.startswith("text/plain")
    png = action_payload(store, shot)
    assert png is not None and png.data == PNG and png.filename.endswith(".png") and png.kiosk_id == api.kiosk_id
    assert action_payload(store, queue_action(store, api.kiosk_id, "reboot", {}, "op")) is None


def test_another_kiosk_cannot_see_or_answer(api: Signed, platform, store: Database) -> None:
    enrolled = requests.post(platform.url + paths.ENROL, json={"enrolment_code": DEMO_ENROLMENT_CODE}, timeout=10)
    other = Signed(platform.url, kiosk_id=enrolled.json()["kiosk_id"], secret=enrolled.json()["secret"].encode())
    action_id = queue_action(store, api.kiosk_id, "restart_app", {}, "op")
    assert action_id not in [a["action_id"] for a in _pending(other)]
    assert_problem(_ack(other, action_id, {"status": "done"}), 404, "not_found")
    assert_problem(_ack(api, "A-nosuch", {"status": "done"}), 404, "not_found")
    assert action_id in [a["action_id"] for a in _pending(api)]


def test_queueing_checks_kind_params_and_kiosk(api: Signed, store: Database) -> None:
    with pytest.raises(ActionError, match="unknown action kind"):
        check_params("format_disk", {})
    with pytest.raises(ActionError, match="takes no parameter"):
        check_params("reboot", {"now": "1"})
    with pytest.raises(ActionError, match="not valid TOML"):
        check_params("config_push", {"toml": "[kiosk"})
    with pytest.raises(ActionError, match="lines"):
        check_params("upload_logs", {"lines": "９"})
    with pytest.raises(ActionError, match="no kiosk"):
        queue_action(store, "kiosk-nobody", "reboot", {}, "op")
    assert check_params("config_push", {"toml": "[kiosk]\nscreen_timeout_s = 120\n"})


def test_action_command(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    db = tmp_path / "p.db"
    Database(db).close()
    from reference_platform.app import create_app

    create_app(db, demo=True)  # seeds the demo kiosk
    fragment = tmp_path / "push.toml"
    fragment.write_text("[kiosk]\nscreen_timeout_s = 120\n", encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kiosk", "platform", "action", "--db", str(db), *args],
                              cwd=root, capture_output=True, text=True, timeout=60)

    ok = run("--kiosk", "demo-kiosk-001", "--kind", "config_push", "--param", f"toml=@{fragment}")
    assert ok.returncode == 0, ok.stderr
    bad = run("--kiosk", "demo-kiosk-001", "--kind", "reboot", "--param", "x=1")
    assert bad.returncode == 2 and "takes no parameter" in bad.stderr
    store = Database(db)
    try:
        [queued] = actions_for(store, "demo-kiosk-001", 10)
    finally:
        store.close()
    assert queued["action_id"] == ok.stdout.strip() and queued["params"]["toml"].startswith("[kiosk]")


def test_a_large_answer_fits_its_route_cap(api: Signed, store: Database) -> None:
    action_id = queue_action(store, api.kiosk_id, "upload_logs", {}, "op")
    text = ("INFO kiosk: line\n" * 60_000).encode()  # ~1 MiB: over the 64 KiB default, under this route's cap
    res = _ack(api, action_id, {"status": "done", "payload_kind": "log_text",
                                "payload_base64": base64.b64encode(text).decode()})
    assert res.status_code == 200, res.text[:300]
    got = action_payload(store, action_id)
    assert got is not None and got.data == text
