"""Technician mode: PIN and lock-out, device self-tests, log export, restart/reboot hooks, and
that none of it is reachable while a citizen's visit runs."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.journeys.technician import MASK, PIN_STATE_FILE, TechnicianJourney
from kiosk.ops.fieldops import RESTART_EXIT_CODE, CommandResult, RecentLog, find_export_dir
from kiosk.ops.pin import LOCKOUT_S, MAX_FAILURES, PinGate, hash_pin
from kiosk.views import Form, Picture

from .harness import Kiosk

PIN = "975310"
WRONG = "864201"
TECHNICIAN_ACTIONS = ("technician", "pin_ok", "page", "refresh", "test_printer", "test_page", "test_idreader",
                      "test_scanner", "test_camera", "test_a4printer", "test_platform", "export_logs",
                      "check_config", "restart", "reboot", "confirm")


class Hooks:
    def __init__(self, kiosk: Kiosk, reboot_code: int = 0) -> None:
        self.exits: list[int] = []
        self.commands: list[list[str]] = []
        self.reboot_code = reboot_code
        kiosk.runtime.field.exit = self.exits.append
        kiosk.runtime.field.run_command = self.run

    def run(self, argv) -> CommandResult:
        self.commands.append(list(argv))
        return CommandResult(self.reboot_code, "" if self.reboot_code == 0 else "Access denied")


def configure(kiosk: Kiosk, **kiosk_keys: str) -> None:
    rt = kiosk.runtime
    rt.cfg = rt.cfg.model_copy(update={"kiosk": rt.cfg.kiosk.model_copy(update=kiosk_keys)})


@pytest.fixture
def tech(kiosk: Kiosk) -> Kiosk:
    configure(kiosk, technician_pin_hash=hash_pin(PIN))
    return kiosk


def enter_pin(kiosk: Kiosk, pin: str) -> None:
    kiosk.type("pin", pin)
    kiosk.press("pin_ok")
    kiosk.settle()


def unlock(kiosk: Kiosk) -> None:
    kiosk.act("technician")
    kiosk.wait("technician.pin")
    enter_pin(kiosk, PIN)
    kiosk.wait("technician.devices")


def _args(action: str) -> dict[str, str]:
    return {"page": "system"} if action == "page" else {}


def failures(kiosk: Kiosk) -> int:
    return json.loads((kiosk.runtime.state_dir / PIN_STATE_FILE).read_text())["failures"]


# -- entry and PIN -------------------------------------------------------------------------------
def test_no_pin_configured_means_no_technician_mode(kiosk: Kiosk) -> None:
    hooks = Hooks(kiosk)
    kiosk.act("technician")
    view = kiosk.wait("technician.no_pin")
    assert "kiosk provision" in repr(view) and not kiosk.controller.active
    for action in TECHNICIAN_ACTIONS:
        kiosk.act(action, **_args(action))
    assert kiosk.screen == "technician.no_pin" and not hooks.exits and not hooks.commands
    kiosk.press("end")
    assert kiosk.frame().attract and kiosk.controller.technician is None


def test_wrong_pin_is_refused_counted_and_never_logged(tech: Kiosk, caplog) -> None:
    hooks = Hooks(tech)
    tech.act("technician")
    tech.wait("technician.pin")
    enter_pin(tech, WRONG)
    view = tech.view
    assert view.screen == "technician.pin"
    assert f"还可尝试 {MAX_FAILURES - 1} 次" in repr(view)
    assert failures(tech) == 1
    for action in TECHNICIAN_ACTIONS:  # nothing but the PIN works before the PIN
        tech.act(action, **_args(action))
    assert tech.screen == "technician.pin" and not hooks.exits and not hooks.commands
    assert not tech.controller.technician.unlocked
    assert WRONG not in caplog.text and PIN not in caplog.text
    assert "technician PIN refused" in caplog.text


def test_pin_digits_are_shown_as_dots_only(tech: Kiosk) -> None:
    tech.act("technician")
    tech.wait("technician.pin")
    tech.type("pin", "97")  # what the screen's keypad sends: the shown value plus the new key
    tech.type("pin", MASK * 2 + "5")
    assert tech.controller.technician.prompt.pin == "975"
    tech.type("pin", MASK * 2)  # the keypad's backspace
    assert tech.controller.technician.prompt.pin == "97"
    tech.type("pin", MASK * 2 + "5310")
    shown = repr(tech.frame())
    assert MASK * 6 in shown and "97" not in shown
    tech.press("pin_ok")
    tech.wait("technician.devices")


def test_lockout_after_repeated_failures_persists(tech: Kiosk, caplog) -> None:
    tech.act("technician")
    tech.wait("technician.pin")
    for _ in range(MAX_FAILURES):
        enter_pin(tech, WRONG)
    view = tech.wait("technician.locked")
    minutes = int(LOCKOUT_S) // 60
    assert f"请 {minutes} 分 0 秒后再试" in repr(view) or f"请 {minutes - 1} 分 59 秒后再试" in repr(view)
    assert "locked for" in caplog.text
    tech.type("pin", PIN)  # the right PIN does nothing while locked
    tech.act("pin_ok")
    tech.settle()
    assert tech.screen == "technician.locked" and not tech.controller.technician.unlocked
    tech.press("end")
    tech.act("technician")  # a new prompt (or a restart) is still locked: the state is on disk
    assert tech.wait("technician.locked")
    gate = PinGate(tech.runtime.cfg.kiosk.technician_pin_hash, tech.runtime.state_dir / PIN_STATE_FILE)
    assert gate.locked_for() > LOCKOUT_S - 30


# -- devices -------------------------------------------------------------------------------------
def _printer_row(kiosk: Kiosk) -> tuple[str, ...]:
    from kiosk.views import Table

    table = next(b for b in kiosk.view.blocks if isinstance(b, Table))
    return next(r for r in table.rows if r[0] == "凭条打印机")


def test_right_pin_opens_device_page_showing_paper_out(tech: Kiosk) -> None:
    unlock(tech)
    assert tech.controller.technician.unlocked and not tech.controller.active and tech.controller.sessions.visit is None
    tech.loop.run_until(lambda: _printer_row(tech)[1] == "在线", 10)
    tech.runtime.devices.emulators.printer.set_status("out")
    assert tech.loop.run_until(lambda: _printer_row(tech)[2] == "缺纸", 10), _printer_row(tech)
    assert _printer_row(tech)[1] == "需处理"


def test_printer_test_page_refused_on_paper_out_printed_when_ok(tech: Kiosk) -> None:
    emulator = tech.runtime.devices.emulators.printer
    unlock(tech)
    emulator.set_status("out")
    tech.press("test_page")
    tech.settle()
    assert "已拒绝打印测试页" in tech.text() and "缺纸" in tech.text()
    assert len(emulator.pages) == 0
    emulator.set_status("ok")
    tech.press("test_page")
    tech.settle()
    assert "测试页已打印" in tech.text()
    assert len(emulator.wait_pages(1)) == 1
    tech.press("test_printer")
    tech.settle()
    assert "dle_eot_1=" in tech.text()


def test_scanner_and_camera_self_tests(tech: Kiosk) -> None:
    unlock(tech)
    tech.press("test_scanner")
    assert tech.view.blocks[-1].seconds_left == 10
    tech.runtime.devices.emulators.scanner.scan("TECH-SCAN-0001")
    assert tech.loop.run_until(lambda: "扫码成功" in tech.text(), 5)
    assert "TECH-SCAN-0001" in tech.text() and tech.controller.sessions.visit is None
    tech.press("test_camera")
    tech.settle()
    picture = tech.view.blocks[-1]
    assert isinstance(picture, Picture) and picture.png.startswith(b"\x89PNG")


def test_scanner_test_gives_up_after_ten_seconds(tech: Kiosk) -> None:
    unlock(tech)
    tech.press("test_scanner")
    tech.controller.technician.pages["devices"].scan_deadline = time.monotonic() - 0.1
    tech.controller.tick()
    assert "10 秒内没有收到扫码" in tech.text()


def test_platform_page_makes_a_live_signed_call(tech: Kiosk) -> None:
    unlock(tech)
    tech.press("page", page="platform")
    tech.press("test_platform")
    tech.settle()
    assert "平台应答正常" in tech.text() and "毫秒" in tech.text()


def test_queue_page_counts_journal_and_unsettled_orders(tech: Kiosk) -> None:
    tech.runtime.journal.enqueue("help_call", {"reason": "question"})
    unlock(tech)
    tech.press("page", page="queues")
    view = tech.settle()
    rows = dict(view.blocks[1].rows)
    # the help call and the two technician audit records (prompt opened, mode entered), sent or not yet
    assert rows["日志队列深度"] in ("0", "1", "2", "3") and rows["未结清的支付订单"] == "0"
    assert rows["无法解密（已保留）"] == "0"


# -- log export ----------------------------------------------------------------------------------
def test_log_export_writes_a_masked_bundle_to_the_stick(tech: Kiosk, tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    card = DEMO_CARDS["P001"]
    tech.act("start")
    tech.wait("home")
    tech.runtime.devices.emulators.idreader.insert(card)
    tech.act("my_cases")
    tech.wait("identify.confirmed")
    # a careless log line from some module: the bundle must still not carry the number
    logging.getLogger("kiosk.journeys.careless").warning("card %s read for %s", card.id_number, card.name)
    tech.controller.end_visit("test")
    tech.runtime.devices.emulators.idreader.remove()
    usb = tmp_path / "usb-stick"
    usb.mkdir()
    configure(tech, technician_export_dir=str(usb))
    unlock(tech)
    tech.press("page", page="export")
    tech.press("export_logs")
    tech.settle()
    assert "日志已导出" in tech.text()
    [bundle] = list(usb.glob("kiosk-logs-*.json"))
    text = bundle.read_text(encoding="utf-8")
    assert card.id_number not in text and card.id_number[:6] + "********" + card.id_number[-4:] in text
    data = json.loads(text)
    assert data["journal"]["outbox"]["pending"] >= 0 and "unsettled_orders" in data["journal"]
    assert {r["name"] for r in data["devices"]["reports"]} >= {"printer", "idreader"}
    assert any("visit ended" in r["message"] for r in data["recent_records"])
    assert any(r["logger"] == "kiosk.journeys.careless" for r in data["recent_errors"])
    assert not list(usb.glob("*.part"))


def test_export_without_a_stick_says_so(tech: Kiosk, tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "not-mounted").mkdir(parents=True)
    tech.runtime.field.media_roots = (str(media),)
    unlock(tech)
    tech.press("page", page="export")
    tech.press("export_logs")
    tech.settle()
    assert "没有找到U盘" in tech.text()
    assert not list(media.rglob("*.json"))


def test_find_export_dir() -> None:
    assert find_export_dir("/nonexistent/usb") is None
    assert find_export_dir("", roots=("/nonexistent",)) is None


def test_recent_log_ring_is_bounded_and_masked() -> None:
    ring = RecentLog(errors=50)
    logger = logging.getLogger("kiosk.test.ring")
    logger.addHandler(ring)
    logger.setLevel(logging.INFO)
    try:
        for i in range(60):
            logger.warning("failure %d for 11010519491231002X, phone 13812341234", i)
        logger.info("just info")
    finally:
        logger.removeHandler(ring)
        logger.setLevel(logging.NOTSET)
    errors = ring.errors()
    assert len(errors) == 50 and errors[-1].message.startswith("failure 59")
    assert all("11010519491231002X" not in e.message and "13812341234" not in e.message for e in errors)
    assert ring.records()[-1].message == "just info"


# -- system --------------------------------------------------------------------------------------
def test_restart_leaves_with_a_non_zero_code_through_the_hook(tech: Kiosk, caplog) -> None:
    caplog.set_level(logging.INFO)
    hooks = Hooks(tech)
    unlock(tech)
    tech.press("page", page="system")
    tech.press("restart")
    assert tech.screen == "technician.confirm" and not hooks.exits
    tech.press("confirm")
    assert hooks.exits == [RESTART_EXIT_CODE] and RESTART_EXIT_CODE != 0
    assert tech.frame().attract and tech.controller.technician is None
    assert "technician mode left (restart requested)" in caplog.text and PIN not in caplog.text


def test_reboot_runs_systemctl_through_the_hook(tech: Kiosk) -> None:
    hooks = Hooks(tech)
    unlock(tech)
    tech.press("page", page="system")
    tech.press("reboot")
    tech.press("cancel")
    assert not hooks.commands
    tech.press("reboot")
    tech.press("confirm")
    tech.settle()
    assert hooks.commands == [["systemctl", "reboot"]]
    assert "设备正在重启" in tech.text()
    hooks.reboot_code = 1
    tech.press("reboot")
    tech.press("confirm")
    tech.settle()
    assert "重启设备失败（1）" in tech.text() and "Access denied" in tech.text()


def test_config_check_reports_file_and_key_and_applies_nothing(tech: Kiosk, tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text('[kiosk]\nscreen_timeout_s = 5\n[devices.printer]\nbackend = "laser"\n', encoding="utf-8")
    running = tech.runtime.cfg.model_copy(update={"source": str(bad)})
    tech.runtime.cfg = running
    unlock(tech)
    tech.press("page", page="system")
    tech.press("check_config")
    tech.settle()
    text = tech.text()
    assert "配置文件有错误" in text and f"{bad}: kiosk.screen_timeout_s" in text
    assert "devices.printer.backend" in text
    assert tech.runtime.cfg is running
    bad.write_text('[kiosk]\nscreen_timeout_s = 120\n', encoding="utf-8")
    tech.press("check_config")
    tech.settle()
    assert "配置文件有效" in tech.text() and "kiosk" in tech.text()
    assert tech.runtime.cfg is running


def test_inactivity_timeout_returns_to_attract_with_an_audit_line(tech: Kiosk, caplog) -> None:
    caplog.set_level(logging.INFO)
    unlock(tech)
    timer = tech.controller.technician.timer
    timer._deadline = timer._clock() + 10
    assert tech.frame().chrome.countdown == 10
    timer._deadline = timer._clock() - 1
    tech.controller.tick()
    assert tech.frame().attract and tech.controller.technician is None
    assert "technician mode left (inactivity timeout)" in caplog.text


# -- never during a visit ------------------------------------------------------------------------
def test_no_technician_action_is_reachable_during_a_visit(tech: Kiosk) -> None:
    hooks = Hooks(tech)
    tech.act("start")
    tech.wait("home")
    pages_before = len(tech.runtime.devices.emulators.printer.pages)
    for action in TECHNICIAN_ACTIONS:
        tech.act(action, **_args(action))
        tech.type("pin", PIN)
    tech.loop.run_until(lambda: False, 0.5)
    assert tech.controller.technician is None and tech.screen.startswith("home")
    assert not hooks.exits and not hooks.commands
    assert len(tech.runtime.devices.emulators.printer.pages) == pages_before
    tech.controller.open_technician()  # even called directly
    assert tech.controller.technician is None


def test_no_citizen_journey_handles_a_technician_action() -> None:
    import importlib
    import inspect
    import pkgutil

    import kiosk.journeys
    from kiosk.journeys.base import Journey

    for info in pkgutil.iter_modules(kiosk.journeys.__path__):
        module = importlib.import_module(f"kiosk.journeys.{info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Journey) and cls is not TechnicianJourney:
                for action in TECHNICIAN_ACTIONS:
                    assert not hasattr(cls, f"on_{action}"), f"{cls.__name__} handles {action!r}"


def test_technician_mode_blocks_visits_and_cards(tech: Kiosk) -> None:
    unlock(tech)
    tech.act("start")
    tech.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    tech.loop.run_until(lambda: False, 1.5)
    assert tech.controller.sessions.visit is None and not tech.controller.active
    assert tech.screen == "technician.devices"
    tech.act("end")  # the bar's "退出维护"
    assert tech.frame().attract


# -- per-technician PINs issued by the platform -----------------------------------------------------
def test_platform_issued_technician_signs_in_by_id_and_is_named_in_the_audit(tech: Kiosk, caplog) -> None:
    from reference_platform.db import Database
    from reference_platform.routes.technicians import Scope, add_technician, revoke_technician

    rt = tech.runtime
    db = Database(rt.server.db_path)
    try:
        add_technician(db, "T001", "Wang Wei", "480215", Scope(kiosks=(rt.cfg.kiosk.id,)), time.time())
    finally:
        db.close()
    assert rt.heartbeat.beat()  # the heartbeat's answer brings the technician list
    caplog.set_level(logging.INFO, logger="kiosk.audit")
    tech.act("technician")
    view = tech.wait("technician.pin")
    assert [f.name for b in view.blocks if isinstance(b, Form) for f in b.fields] == ["technician", "pin"]
    tech.type("technician", "t001")
    enter_pin(tech, PIN)  # the provisioning PIN no longer opens anything once the platform's list is here
    assert failures(tech) == 1 and tech.view.screen == "technician.pin"
    enter_pin(tech, "480215")
    tech.wait("technician.devices")
    tech.act("end")
    tech.settle()
    assert "technician mode entered by T001 (a PIN issued by the platform)" in caplog.text
    assert "480215" not in caplog.text and PIN not in caplog.text
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and rt.journal.depth():
        time.sleep(0.1)
    entries = rt.client.technician_audit_entries(limit=10).entries
    assert {e.technician_id for e in entries if "entered" in e.action or "left" in e.action} == {"T001"}
    assert any(e.technician_id == "T001" and "refused" in e.action for e in entries)
    db = Database(rt.server.db_path)
    try:
        revoke_technician(db, "T001", time.time())
    finally:
        db.close()
    assert rt.heartbeat.beat()
    tech.act("technician")
    tech.wait("technician.pin")
    tech.type("technician", "T001")
    enter_pin(tech, "480215")
    assert tech.view.screen == "technician.pin" and failures(tech) == 1
