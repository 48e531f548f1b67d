"""Every backend's driver has what the kiosk's device protocols promise the journeys."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.base import discard
from kiosk.config import demo_config
from kiosk.devices import protocols
from kiosk.devices.manager import DeviceManager

EXPECTED = {"idreader": protocols.IdReader, "scanner": protocols.Scanner, "printer": protocols.ThermalPrinter,
            "a4printer": protocols.A4Printer, "camera": protocols.Camera}


@pytest.mark.parametrize("scanner", ["emulator", "camera", "hid"])
def test_started_drivers_satisfy_their_protocols(tmp_path: Path, scanner: str) -> None:
    cfg = demo_config(tmp_path, scanner={"backend": scanner, "hid_device": str(tmp_path / "event9")},
                      a4printer={"backend": "cups", "queue": "nowhere"} if scanner == "hid" else {})
    manager = DeviceManager(cfg.devices, discard, tmp_path)
    devices = manager.start()
    try:
        for name, protocol in EXPECTED.items():
            driver = devices.get(name)
            assert isinstance(driver, protocol), f"{name}: {type(driver).__name__} is no {protocol.__name__}"
            assert getattr(devices, name) is driver
    finally:
        manager.stop()
