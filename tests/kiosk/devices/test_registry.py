"""A device class is one registered spec: a new one (a "lamp", defined here) is seen everywhere
the kiosk deals with devices, without a line of the kiosk changing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest

from drivers import registry
from drivers.base import DeviceState, DeviceStatusChanged, Event, Publish, StatusTracker
from drivers.registry import N_, DeviceSpec, SectionModel, StartContext, Started
from kiosk import config
from kiosk.bus import EventBus
from kiosk.cli import main
from kiosk.commands.selfcheck import device_paths
from kiosk.devices.board import DEVICE_LABELS, DEVICE_NAMES, DeviceBoard
from kiosk.devices.manager import DeviceManager
from kiosk.devices.status import StatusModel
from kiosk.ops.heartbeat import HeartbeatLoop
from kiosk.ops.metrics import KioskMetrics

# -- the lamp: a whole device class, as a driver package would define it ----------------------


class LampSection(SectionModel):
    backend: Literal["usb", "emulator", "broken", "none"] = "emulator"
    device: str = "/dev/kiosk/lamp"
    colour: str = "amber"

    def device_nodes(self) -> tuple[str, ...]:
        return (self.device,) if self.backend == "usb" else ()


class LampEmulator:
    def __init__(self) -> None:
        self.device = "/tmp/lamp-emulator"
        self.running = False

    def start(self) -> LampEmulator:
        self.running = True
        return self

    def stop(self) -> None:
        self.running = False


class Lamp:
    def __init__(self, name: str, device: str, colour: str, publish: Publish) -> None:
        self.device, self.colour = device, colour
        self.status = StatusTracker(name, publish)

    def start(self) -> Lamp:
        self.status.set(DeviceState.ONLINE, detail=self.colour)
        return self

    def stop(self) -> None:
        self.status.set(DeviceState.OFFLINE, detail="stopped")


def start_lamp(section: LampSection, ctx: StartContext) -> Started:
    if section.backend == "broken":
        raise RuntimeError("lamp driver exploded")
    device, emulator = section.device, None
    if section.backend == "emulator":
        emulator = ctx.started(LampEmulator())
        device = emulator.device
    return Started(ctx.started(Lamp(ctx.name, device, section.colour, ctx.publish)), emulator)


LAMP = DeviceSpec(name="lamp", label=N_("指示灯"), section=LampSection, start=start_lamp, order=60)


@pytest.fixture
def lamp():
    registry.register(LAMP)
    yield LAMP
    registry.unregister("lamp")


NOTHING_ELSE = {name: {"backend": "none"} for name in ("idreader", "scanner", "printer", "a4printer", "camera")}


def lamp_config(tmp_path: Path, **lamp: str) -> config.Config:
    return config.demo_config(tmp_path, **NOTHING_ELSE, lamp=lamp)


# -- seen everywhere -----------------------------------------------------------------------------

def test_config_takes_the_section_of_a_registered_class_and_refuses_it_otherwise(lamp, tmp_path: Path) -> None:
    cfg = config.parse('[devices.lamp]\nbackend = "usb"\ncolour = "red"\n', "kiosk.toml")
    assert cfg.devices.lamp == LampSection(backend="usb", colour="red")
    assert config.Config(source="defaults").devices.section("lamp") == LampSection()
    with pytest.raises(config.ConfigError) as err:
        config.parse('[devices.lamp]\nbackend = "laser"\n', "kiosk.toml")
    assert "devices.lamp.backend: must be one of" in str(err.value)
    assert device_paths(cfg) == [("lamp", "/dev/kiosk/lamp")]
    registry.unregister("lamp")
    with pytest.raises(config.ConfigError) as err:
        config.parse('[devices.lamp]\nbackend = "usb"\n', "kiosk.toml")
    assert "devices.lamp: unknown key" in str(err.value)


def test_the_manager_starts_it_with_its_emulator_and_stops_it(lamp, tmp_path: Path) -> None:
    events: list[Event] = []
    manager = DeviceManager(lamp_config(tmp_path, colour="green").devices, events.append, tmp_path)
    devices = manager.start()
    driver, emulator = devices.get("lamp"), devices.emulators.get("lamp")
    assert isinstance(driver, Lamp) and devices.lamp is driver
    assert isinstance(emulator, LampEmulator) and emulator.running and driver.device == emulator.device
    assert ("lamp", DeviceState.ONLINE, "green") in {(e.device, e.state, e.detail) for e in events
                                                     if isinstance(e, DeviceStatusChanged)}
    assert devices.printer is None and devices.emulators.printer is None
    manager.stop()
    assert not emulator.running and driver.status.state is DeviceState.OFFLINE
    with pytest.raises(AttributeError):
        _ = devices.lampp


def test_a_backend_that_fails_to_start_never_stops_the_others(lamp, tmp_path: Path) -> None:
    events: list[Event] = []
    cfg = config.demo_config(tmp_path, **{**NOTHING_ELSE, "a4printer": {"backend": "emulator"}},
                             lamp={"backend": "broken"})
    manager = DeviceManager(cfg.devices, events.append, tmp_path)
    devices = manager.start()
    states = {(e.device, e.state, e.detail) for e in events if isinstance(e, DeviceStatusChanged)}
    assert ("lamp", DeviceState.HARDWARE_ERROR, "start failed: lamp driver exploded") in states
    assert ("idreader", DeviceState.OFFLINE, "not configured") in states
    assert devices.lamp is None and devices.a4printer is not None
    manager.stop()


def test_status_model_heartbeat_and_metrics_list_it(lamp) -> None:
    assert "lamp" in DEVICE_NAMES and DEVICE_NAMES[-1] == "lamp" and DEVICE_LABELS["lamp"] == "指示灯"
    bus = EventBus()
    board = DeviceBoard()
    model = StatusModel(board)
    model.attach(bus)
    metrics = KioskMetrics("0.1.0", "k1", board)
    heartbeat = HeartbeatLoop(lambda beat: None, board, lambda: 0)
    assert model.snapshot().devices["lamp"] == "unknown"
    assert {d.name: d.state for d in heartbeat.build().devices}["lamp"] == "unknown"
    assert metrics.registry.get_sample_value("kiosk_device_state", {"device": "lamp", "state": "online"}) == 0
    bus.publish(DeviceStatusChanged("lamp", DeviceState.USER_ERROR, detail="bulb out"))
    assert model.snapshot().devices["lamp"] == "user_error"
    beat = heartbeat.build()
    assert {d.name: (d.state, d.detail) for d in beat.devices}["lamp"] == ("user_error", "bulb out")
    assert beat.last_error == "lamp: user_error bulb out"
    assert metrics.registry.get_sample_value("kiosk_device_state", {"device": "lamp", "state": "user_error"}) == 1


def test_the_attract_status_and_the_technician_devices_page_show_it(lamp, tmp_path: Path) -> None:
    """A running kiosk (headless) with the lamp fitted: the attract screen's status model and the
    technician's devices page both have its row, with the state its driver reported."""
    from kiosk.ops.pin import hash_pin
    from kiosk.views import Table
    from tests.kiosk.journeys.harness import Kiosk

    kiosk = Kiosk(tmp_path, **NOTHING_ELSE, lamp={"colour": "green"})
    try:
        rt = kiosk.runtime
        assert list(rt.status.snapshot().devices) == list(DEVICE_NAMES)
        assert rt.status.snapshot().devices["lamp"] == "online"
        rt.cfg = rt.cfg.model_copy(update={"kiosk": rt.cfg.kiosk.model_copy(
            update={"technician_pin_hash": hash_pin("975310")})})
        kiosk.act("technician")
        kiosk.wait("technician.pin")
        kiosk.type("pin", "975310")
        kiosk.press("pin_ok")
        view = kiosk.wait("technician.devices")
        table = next(block for block in view.blocks if isinstance(block, Table))
        assert len(table.rows) == len(DEVICE_NAMES)
        assert table.rows[-1] == ("指示灯", "在线", "—", "green")
        rt.bus.publish(DeviceStatusChanged("lamp", DeviceState.USER_ERROR, detail="bulb out"))
        kiosk.act("refresh")
        table = next(block for block in kiosk.view.blocks if isinstance(block, Table))
        assert table.rows[-1] == ("指示灯", "需处理", "—", "bulb out")
    finally:
        kiosk.close()


def test_kiosk_doctor_lists_it_and_checks_it(lamp, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    others = "".join(f'[devices.{n}]\nbackend = "none"\n' for n in NOTHING_ELSE)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(others + '[devices.lamp]\ncolour = "blue"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "doctor", "lamp", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "devices": [
        {"device": "lamp", "backend": "emulator", "state": "online", "media": None, "last_error": "",
         "detail": "blue"}]}
    assert main(["--config", str(cfg), "doctor", "all", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [d["device"] for d in report["devices"]] == list(DEVICE_NAMES)
    assert report["devices"][-1]["state"] == "online" and report["devices"][0]["backend"] == "none"
    cfg.write_text(others + '[devices.lamp]\nbackend = "broken"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "doctor", "lamp"]) == 1
    assert capsys.readouterr().out.split() == ["lamp", "broken", "hardware_error", "(start", "failed:", "lamp",
                                               "driver", "exploded)"]


def test_unregistered_it_is_gone(tmp_path: Path) -> None:
    registry.register(LAMP)
    registry.unregister("lamp")
    assert "lamp" not in DEVICE_NAMES and "lamp" not in DEVICE_LABELS
    assert all(r.name != "lamp" for r in DeviceBoard().readings())
    with pytest.raises(SystemExit):
        main(["doctor", "lamp"])


# -- the registry's own rules -------------------------------------------------------------------

def test_start_order_puts_a_device_after_what_it_needs() -> None:
    order = [s.name for s in registry.start_order()]
    assert order.index("camera") < order.index("scanner")
    assert [s.name for s in registry.start_order(["scanner"])] == ["camera", "scanner"]
    assert [s.name for s in registry.start_order(["printer", "nothing-like-it"])] == ["printer"]


def test_names_are_unique_identifiers() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register(DeviceSpec(name="printer", label="x", section=LampSection, start=start_lamp))
    for bad in ("all", "a4-printer", ""):
        with pytest.raises(ValueError, match="cannot name a device"):
            registry.register(DeviceSpec(name=bad, label="x", section=LampSection, start=start_lamp))
    assert registry.register(registry.get("printer")) is registry.get("printer")


def test_a_stop_during_a_slow_start_returns_at_once_and_the_late_device_closes_itself(lamp, tmp_path: Path) -> None:
    """A camera's start takes seconds of imports: SIGTERM must not wait for it (stop deadline 2 s)."""
    import threading

    opening, release = threading.Event(), threading.Event()
    opened: list[Lamp] = []

    def slow_start(section: LampSection, ctx: StartContext) -> Started:
        opening.set()
        assert release.wait(10)
        lamp_driver = ctx.started(Lamp(ctx.name, section.device, section.colour, ctx.publish))
        opened.append(lamp_driver)
        return Started(lamp_driver)

    registry.unregister("lamp")
    registry.register(DeviceSpec(name="lamp", label=N_("指示灯"), section=LampSection, start=slow_start, order=5))
    cfg = config.demo_config(tmp_path, **{**NOTHING_ELSE, "a4printer": {"backend": "emulator"}}, lamp={})
    manager = DeviceManager(cfg.devices, lambda _e: None, tmp_path)
    assert [s.name for s in registry.start_order(None)].index("lamp") < [
        s.name for s in registry.start_order(None)].index("a4printer"), "the lamp must open before the A4 printer"
    starting = threading.Thread(target=manager.start)
    starting.start()
    assert opening.wait(10)
    manager.stop()  # returns while the lamp is still opening
    assert starting.is_alive()
    release.set()
    starting.join(10)
    assert opened and opened[0].status.state is DeviceState.OFFLINE, "the late lamp was left open"
    assert manager.devices.a4printer is None, "a device was opened after the stop"
