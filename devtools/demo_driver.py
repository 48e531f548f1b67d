"""Drives scripted visits through the real Kivy screens for ``kiosk demo``.

Touches are injected into Kivy's event dispatch at the button's position, devices act
through their emulators (the same drivers a field kiosk runs), and the platform is the
reference server over HTTP. Every screen visited is saved as PNG; each frame's main-
thread time is measured around ``EventLoop.idle()``, which is the whole of Kivy's
per-frame work (clock callbacks, input, layout, drawing).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.graphics.opengl import glFinish
from kivy.input.motionevent import MotionEvent
from kivy.uix.label import Label

from devtools.demo_script import VISITS, Visit
from kiosk.app import GC_AFTER_VISIT_S
from screens.widgets import BigButton

log = logging.getLogger(__name__)


_PHONE = ("import sys, cv2, numpy as np; from drivers.camera.qr import QrDecoder; "
          "image = cv2.imdecode(np.frombuffer(sys.stdin.buffer.read(), np.uint8), cv2.IMREAD_GRAYSCALE); "
          "print('\\n'.join(r.text for r in QrDecoder().decode(image)) if image is not None else '')")


def phone_decode(png: bytes, timeout_s: float = 60.0) -> list[str]:
    """The texts of the QR codes in ``png``, as a phone held to the screen reads them (in a process of its own)."""
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p))
    done = subprocess.run([sys.executable, "-c", _PHONE], input=png, capture_output=True, env=env,
                          timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise DemoFailed(f"the phone could not decode: {done.stderr.decode(errors='replace')[-300:]}")
    return [line for line in done.stdout.decode().splitlines() if line]


class Tap(MotionEvent):
    """One finger down and up at a window position, dispatched as the window's input provider would.

    Kivy's own ``kivy.tests.common.UnitTestTouch`` does the same, but importing that module
    imports ``unittest`` and ``pytest`` (~7 MB resident) into the kiosk process the demo
    drives, which ``visit_soak`` would then count as the kiosk's memory.
    """

    def __init__(self, x: float, y: float) -> None:
        win = EventLoop.window
        super().__init__("Tap", 99, {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict) -> None:
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def touch_down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def touch_up(self) -> None:
        EventLoop.post_dispatch_input("end", self)

SETTLE_S = 20.0


class DemoFailed(Exception):
    pass


@dataclass
class Result:
    name: str
    outcome: str = "ok"
    detail: str = ""
    screens: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    longest_frame_ms: float = 0.0
    frames: int = 0
    frame_ms_by_screen: dict[str, float] = field(default_factory=dict)


class DemoDriver:
    def __init__(self, app, out: Path, inspect: Callable[[DemoDriver], None] | None = None) -> None:
        self.app = app
        self.inspect = inspect
        self.window = Window
        """Kivy's window (the layout audit resizes it; the demo's one Kivy import is here)."""
        """Called on every screen shot, after the shot (``devtools.layout_audit`` checks it there)."""
        self.controller = app.controller
        self.rt = app.rt
        self.out = out
        self.shots = out / "screens"
        self.prints = out / "prints"
        self.shots.mkdir(parents=True, exist_ok=True)
        self.prints.mkdir(parents=True, exist_ok=True)
        self.result: Result | None = None
        self._last_shot = ""

    # -- frames ----------------------------------------------------------------------------
    def frame(self) -> None:
        """One frame, measured until the renderer has finished it (``glFinish``).

        Without the finish a software renderer queues frames and a later frame pays for
        the queue; with it, each frame is charged its own layout, texture and raster work.
        """
        started = time.perf_counter()
        EventLoop.idle()
        glFinish()
        ms = (time.perf_counter() - started) * 1000
        if self.result is not None:
            self.result.frames += 1
            self.result.longest_frame_ms = max(self.result.longest_frame_ms, ms)
            name = self.screen()
            self.result.frame_ms_by_screen[name] = round(max(self.result.frame_ms_by_screen.get(name, 0.0), ms), 1)

    def frames(self, n: int) -> None:
        for _ in range(n):
            self.frame()

    def screen(self) -> str:
        return self.controller.frame().view.screen if self.controller.active else "attract"

    def idle_until(self, predicate, timeout: float = SETTLE_S) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.frame()
            if predicate():
                return True
            time.sleep(1 / 60)
        return False

    def settled(self) -> bool:
        """No worker call pending and the screen fully built (rows are added a few per frame)."""
        journey = self.controller.current
        return (journey is None or not journey.busy) and not self.app.settling

    # -- evidence ----------------------------------------------------------------------------
    def shoot(self) -> None:
        assert self.result is not None
        name = self.screen()
        key = f"{name}/{self.controller.language}/{self.controller.elder}"
        if key == self._last_shot:
            return
        self._last_shot = key
        self.frames(3)
        index = len(self.result.screenshots) + 1
        target = self.shots / f"{self.result.name}-{index:02d}-{name}.png"
        saved = Window.screenshot(name=str(target))
        if saved:
            Path(saved).replace(target)
            self.result.screenshots.append(str(target.relative_to(self.out)))
        if name not in self.result.screens:
            self.result.screens.append(name)
        if self.inspect is not None:
            self.inspect(self)

    def labels(self) -> str:
        return " ".join(w.text for w in self.app.root.walk(restrict=True) if isinstance(w, Label))

    # -- citizen actions ----------------------------------------------------------------------
    def tap_widget(self, widget) -> None:
        x, y = widget.to_window(widget.center_x, widget.center_y)
        touch = Tap(x, y)
        touch.touch_down()
        self.frame()
        touch.touch_up()
        self.frame()

    def buttons(self) -> list[BigButton]:
        return [w for w in self.app.root.walk(restrict=True) if isinstance(w, BigButton) and not w.disabled]

    def press(self, label: str) -> None:
        for button in self.buttons():
            if label in (button.label, button.action_id):
                self._scroll_into_view(button)
                self.tap_widget(button)
                return
        raise DemoFailed(f"no button {label!r} on {self.screen()}")

    def press_first_choice(self) -> None:
        body = self.app.journey.body
        for button in self.buttons():
            if button.parent is not None and _inside(button, body):
                self.tap_widget(button)
                return
        raise DemoFailed(f"no choice on {self.screen()}")

    def _scroll_into_view(self, widget) -> None:
        scroll = self.app.journey.scroll
        if _inside(widget, scroll):
            scroll.scroll_to(widget, padding=40, animate=False)
            self.frames(2)

    def step(self, step: tuple[str, ...]) -> None:
        kind, *args = step
        emulators = self.rt.devices.emulators
        if kind == "wait":
            ok = self.idle_until(lambda: self.screen() == args[0] and self.settled())
            if not ok:
                raise DemoFailed(f"waited for {args[0]}, still on {self.screen()}: {self.labels()[:300]}")
            self.shoot()
        elif kind == "press":
            self.idle_until(self.settled)
            self.press(args[0])
        elif kind == "press_first":
            self.press_first_choice()
        elif kind == "card":
            from kiosk.devices.demo_cards import DEMO_CARDS

            emulators.idreader.insert(DEMO_CARDS[args[0]])
        elif kind == "remove_card":
            emulators.idreader.remove()
        elif kind == "scan":
            emulators.scanner.scan(args[0])
        elif kind == "pay_code":
            from kiosk.journeys.pay import demo_payment_code

            emulators.scanner.scan(demo_payment_code())
        elif kind == "type":
            self.controller.act("field", name=args[0], value=args[1])  # the keypad's own taps end in this call
            self.frames(2)
        elif kind == "lang":
            self.controller.act("lang")
        elif kind == "elder":
            self.controller.act("elder")
        elif kind == "paper":
            emulators.printer.set_status(args[0])
        elif kind == "paper_mid_job":
            emulators.printer.set_status("out", after_bytes=150)  # the roll ends a few lines into the job
        elif kind == "printer_ready":
            printer = self.rt.devices.printer
            self.idle_until(lambda: printer.status().ready, 10)
        elif kind == "pay_qr":
            self._pay_shown_qr()
        else:
            raise DemoFailed(f"unknown step {kind!r}")
        self.frames(2)

    # -- visits ---------------------------------------------------------------------------------
    def _pay_shown_qr(self) -> None:
        """The citizen's phone: decode the QR on screen and pay it through the demo settle path.

        The phone is another device, so its decoding (OpenCV, zxing-cpp) runs in a process of
        its own, not in the kiosk's UI process the demo drives (``visit_soak`` measures that one).
        """
        import requests

        from kiosk.views import Picture

        pictures = [b for b in self.controller.frame().view.blocks if isinstance(b, Picture)]
        if not pictures:
            raise DemoFailed("no QR code on the payment screen")
        texts = phone_decode(pictures[0].png)
        if not texts:
            raise DemoFailed("the payment QR code on screen does not decode")
        requests.post(texts[0], timeout=5).raise_for_status()

    def run_visit(self, visit: Visit) -> Result:
        self.result = Result(visit.name)
        self._last_shot = ""
        try:
            if not self.idle_until(lambda: not self.controller.active, 10):
                self.controller.end_visit("demo: previous visit left over")
            self.shoot()
            if visit.tap_to_start:
                self.tap_widget(self.app.attract.ids.l_headline)
            for step in visit.steps:
                self.step(step)
            if self.screen() != visit.expect:
                raise DemoFailed(f"ended on {self.screen()}, expected {visit.expect}")
        except Exception as exc:  # one broken visit must not hide the others' results
            log.exception("demo visit %s failed", visit.name)
            self.result.outcome = "failed"
            self.result.detail = f"{type(exc).__name__}: {exc}"
        finally:
            self.controller.end_visit("demo visit over")
            self.frames(3)
            # The attract screen's between-visit garbage collection runs in a measured frame, as
            # it does on a kiosk when the next citizen is not already at the screen.
            done = self.app.collections
            self.idle_until(lambda: self.app.collections > done, GC_AFTER_VISIT_S + 3)
            self.rt.devices.emulators.printer and self.rt.devices.emulators.printer.set_status("ok")
            if self.rt.devices.emulators.idreader is not None:
                self.rt.devices.emulators.idreader.remove()
        return self.result

    def collect_prints(self) -> list[str]:
        emu = self.rt.devices.emulators.printer
        names = []
        if emu is not None:
            for i, page in enumerate(list(emu.pages), start=1):
                target = self.prints / f"thermal-{i:02d}.png"
                page.save(target)
                names.append(str(target.relative_to(self.out)))
        a4 = self.rt.devices.emulators.a4printer
        if a4 is not None and a4.out_dir.exists():
            for pdf in sorted(a4.out_dir.glob("*.pdf")):
                shutil.copyfile(pdf, self.prints / pdf.name)
                names.append(str((self.prints / pdf.name).relative_to(self.out)))
        return names


def _inside(widget, ancestor) -> bool:
    w = widget
    while w is not None:
        if w is ancestor:
            return True
        if w.parent is w:  # the Window is its own parent
            return False
        w = w.parent
    return False


def run_demo(app, out: Path, visits: tuple[Visit, ...] = VISITS,
             inspect: Callable[[DemoDriver], None] | None = None) -> dict:
    """Run every visit; write ``summary.json``; return it."""
    driver = DemoDriver(app, out, inspect)
    driver.frames(5)
    # the platform answered and every device reported (both may come after the first frame)
    driver.idle_until(lambda: app.status.snapshot().platform_reachable is not None
                      and "unknown" not in app.status.snapshot().devices.values(), 60)
    results = [driver.run_visit(v) for v in visits]
    prints = driver.collect_prints()
    summary = {
        "journeys": [
            {"name": r.name, "outcome": r.outcome, "detail": r.detail, "screens": r.screens,
             "screenshots": r.screenshots, "longest_frame_ms": round(r.longest_frame_ms, 1), "frames": r.frames,
             "frame_ms_by_screen": r.frame_ms_by_screen}
            for r in results
        ],
        "prints": prints,
        "longest_frame_ms": round(max((r.longest_frame_ms for r in results), default=0.0), 1),
        "ok": all(r.outcome == "ok" for r in results),
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    return summary


def play(runtime, out: Path, visits: tuple[Visit, ...] = VISITS,
         inspect: Callable[[DemoDriver], None] | None = None) -> dict:
    """Open the kiosk's window on ``runtime``, play ``visits`` through it, close it; returns the summary."""
    from kiosk.app import make_app_class

    EventLoop.ensure_window()
    app = make_app_class()(runtime)
    root = app.build()
    app.root = root
    Window.add_widget(root)
    app.on_start()
    try:
        return run_demo(app, out, visits, inspect)
    finally:
        app.on_stop()
