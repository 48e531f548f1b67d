"""Platform faults through a fault-injecting proxy: the kiosk says so clearly, queues what it
may, and never crashes (a crash in a worker callback would raise out of the UI loop here)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.devices.demo_cards import DEMO_CARDS
from kiosk.views import Text
from reference_platform.server import serve_in_thread

from .fault_proxy import FaultProxy
from .harness import Kiosk

FAULTS = ("500", "stall", "reset", "truncated", "malformed", "html")
FAST = {"connect_timeout_s": 1.0, "read_timeout_s": 1.0}


@pytest.fixture
def faulty(tmp_path) -> Iterator[tuple[Kiosk, FaultProxy]]:
    server = serve_in_thread(str(tmp_path / "platform.sqlite3"), always_open=True)
    proxy = FaultProxy(server.url, stall_s=2.0)
    kiosk = Kiosk(tmp_path / "kiosk", platform_url=proxy.url, platform=FAST)
    try:
        yield kiosk, proxy
    finally:
        kiosk.close()
        proxy.close()
        server.stop()


def errors(kiosk: Kiosk) -> list[str]:
    return [b.text for b in kiosk.view.blocks if isinstance(b, Text) and b.style == "error"]


def to_identify(kiosk: Kiosk) -> None:
    kiosk.act("start")
    kiosk.wait("home")
    kiosk.act("my_cases")
    kiosk.wait("identify")


@pytest.mark.parametrize("fault", FAULTS)
def test_identity_check_fails_clearly_then_works(faulty, fault: str) -> None:
    kiosk, proxy = faulty
    to_identify(kiosk)
    proxy.set(fault, only="/v1/identity")
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    assert kiosk.loop.run_until(lambda: bool(errors(kiosk)), 20), f"no message on {kiosk.screen}"
    assert kiosk.screen == "identify" and kiosk.controller.active
    assert all(len(e) < 80 and "Traceback" not in e for e in errors(kiosk))
    assert any(hit[2] == fault for hit in proxy.hits)
    proxy.set("ok")
    kiosk.runtime.devices.emulators.idreader.remove()
    reader = kiosk.runtime.devices.idreader
    assert kiosk.loop.run_until(lambda: not reader._card_present, 5)
    kiosk.runtime.devices.emulators.idreader.insert(DEMO_CARDS["P001"])
    kiosk.wait("identify.confirmed")


@pytest.mark.parametrize("fault", ("500", "malformed", "html"))
def test_catalogue_unavailable_says_so_and_retry_recovers(faulty, fault: str) -> None:
    kiosk, proxy = faulty
    proxy.set(fault, only="/v1/catalog")
    kiosk.act("start")
    assert kiosk.loop.run_until(lambda: kiosk.screen == "home" and bool(errors(kiosk)), 20)
    proxy.set("ok")
    kiosk.press("retry")
    view = kiosk.wait("home")
    assert any(a.id == "category" for a in kiosk.actions()) and not errors(kiosk), view


def test_application_during_resets_is_queued_and_delivered_later(faulty) -> None:
    kiosk, proxy = faulty
    kiosk.to_apply_materials()
    kiosk.press("skip")
    kiosk.wait("apply.review")
    proxy.set("reset", only="/v1/applications")
    kiosk.press("submit")
    view = kiosk.wait("apply.receipt")
    assert kiosk.runtime.journal.depth() == 1, view
    proxy.set("ok")
    kiosk.runtime.sender.kick()
    assert kiosk.loop.run_until(lambda: kiosk.runtime.journal.depth() == 0, 20), "never delivered"
