"""A kiosk without a window: the real runtime (reference platform over HTTP, emulated
devices on ptys, journal on disk) with the visit controller on a headless UI loop."""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.config import demo_config
from kiosk.journeys.controller import VisitController
from kiosk.journeys.registry import journey_factories
from kiosk.runtime import HeadlessLoop, Runtime
from kiosk.views import Action, Choices, Frame, View


class Kiosk:
    """Drive a visit the way a citizen would: look at the frame, press what is on it."""

    def __init__(self, state: Path, platform_url: str | None = None, metrics: dict | None = None,
                 platform: dict | None = None, kiosk: dict | None = None, camera_settle: bool = True,
                 **devices: dict) -> None:
        self.loop = HeadlessLoop()
        cfg = demo_config(state, metrics=metrics, platform=platform, kiosk=kiosk, **devices)
        self.runtime = Runtime(cfg, self.loop.post, platform_url=platform_url, work_dir=state).start()
        self.controller = VisitController(self.runtime, journey_factories())
        if camera_settle:  # False: a test that looks at the moments right after start-up
            self._camera_settled()

    def _camera_settled(self, within_s: float = 30.0) -> None:
        """Wait until the camera's process has reported (online, or why not), as a citizen arrives after start-up.

        The camera opens in a child process (``drivers.camera.camera_process``): a second or
        more after ``Runtime.start`` returns, under load several; services that need it are
        enabled once it reports ``online``.
        """
        camera = self.runtime.devices.camera
        deadline = time.monotonic() + within_s
        while camera is not None and time.monotonic() < deadline:  # not the loop: start-up's own work waits
            if camera.status.state.value == "online" or camera.status.detail:
                return
            time.sleep(0.05)

    def close(self) -> None:
        self.controller.end_visit("test over")
        self.runtime.stop()

    # -- looking ---------------------------------------------------------------------------
    def frame(self) -> Frame:
        self.loop.pump()
        return self.controller.frame()

    @property
    def view(self) -> View:
        return self.frame().view

    @property
    def screen(self) -> str:
        return self.view.screen

    def wait(self, screen: str, timeout: float = 15.0) -> View:
        ok = self.loop.run_until(lambda: self.controller.frame().view.screen == screen
                                 and not self.controller.frame().view.screen.endswith(".busy")
                                 and not _busy(self.controller.frame().view), timeout)
        assert ok, f"waited for {screen!r}, still on {self.screen!r}: {self.text()}"
        return self.view

    def settle(self, timeout: float = 15.0) -> View:
        """Wait until no worker call is pending for the current view."""
        ok = self.loop.run_until(lambda: not _busy(self.controller.frame().view), timeout)
        assert ok, f"still busy on {self.screen!r}"
        return self.view

    def actions(self) -> list[Action]:
        view = self.view
        found = list(view.actions)
        for block in view.blocks:
            if isinstance(block, Choices):
                found.extend(block.items)
        return found

    def text(self) -> str:
        return repr(self.view)

    # -- touching --------------------------------------------------------------------------
    def press(self, label_or_id: str, **args: str) -> None:
        """Press the button with this id or label (the first match), as a touch would."""
        for action in self.actions():
            if label_or_id in (action.id, action.label) and all(action.kwargs().get(k) == v for k, v in args.items()):
                assert action.enabled, f"{label_or_id!r} is disabled on {self.screen}"
                self.controller.act(action.id, **action.kwargs())
                self.loop.pump()
                return
        raise AssertionError(f"no {label_or_id!r} on {self.screen}: {[a.label for a in self.actions()]}")

    def act(self, action: str, **args: str) -> None:
        self.controller.act(action, **args)
        self.loop.pump()

    def type(self, field: str, value: str) -> None:
        self.act("field", name=field, value=value)

    def to_apply_materials(self, card: str = "P001") -> None:
        """Start a visit and apply for unemployment registration up to the materials step."""
        from kiosk.devices.demo_cards import DEMO_CARDS

        self.act("start")
        self.wait("home")
        self.press("category", code="social")
        self.wait("home.category")
        self.press("就业失业登记")
        self.wait("guide")
        self.press("apply")
        self.wait("identify")
        self.runtime.devices.emulators.idreader.insert(DEMO_CARDS[card])
        self.wait("identify.confirmed")
        self.press("continue")
        self.wait("apply.form")
        self.type("status", "失业登记")
        self.press("next")
        self.wait("apply.materials")


def _busy(view: View) -> bool:
    from kiosk.views import Progress

    return any(isinstance(b, Progress) for b in view.blocks) and not view.actions
