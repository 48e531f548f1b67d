"""The layout audit over every screen of the demo, in every window shape and mode.

``kiosk demo --audit`` and tests/screens/test_audit.py hand ``LayoutMatrix`` to the demo
driver as its ``inspect`` hook: the first time a visit reaches a screen, the matrix
redraws that same screen in each mode (Chinese, English, elder mode) at each window
size of ``SHAPES`` — one window, resized — and runs ``screens.audit.audit`` on it. The
visit then goes on in its own mode and size. Screens are checked once each (a second
visit through "home" adds nothing), which keeps the whole matrix to a few minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from screens.audit import Finding, audit

SHAPES: tuple[tuple[int, int], ...] = ((1080, 1920), (1920, 1080), (1280, 800), (1024, 600), (800, 480))
MODES: tuple[tuple[str, bool], ...] = (("zh_CN", False), ("en", False), ("zh_CN", True))
"""(language, elder mode)"""
SHOT_SCREENS: dict[str, tuple[str, ...]] = {
    "attract": ("zh",), "home": ("zh", "elder"), "guide": ("zh",), "identify": ("zh",), "pay": ("zh",),
}
"""The screens (and modes) saved as PNGs for docs/screenshots, in every shape."""


@dataclass(frozen=True)
class Located:
    screen: str
    language: str
    elder: bool
    size: tuple[int, int]
    finding: Finding

    def __str__(self) -> str:
        mode = self.language + (" elder" if self.elder else "")
        return f"{self.screen} [{mode}, {self.size[0]}x{self.size[1]}] {self.finding}"


@dataclass
class LayoutMatrix:
    shapes: tuple[tuple[int, int], ...] = SHAPES
    modes: tuple[tuple[str, bool], ...] = MODES
    findings: list[Located] = field(default_factory=list)
    checked: list[tuple[str, str, bool, tuple[int, int]]] = field(default_factory=list)
    seconds: float = 0.0
    shots: Path | None = None
    """Where to save a small PNG of each of ``SHOT_SCREENS`` in each shape (docs/screenshots)."""
    _seen: set[str] = field(default_factory=set)

    def __call__(self, driver) -> None:
        screen = driver.screen()
        if screen in self._seen:
            return
        self._seen.add(screen)
        started = time.perf_counter()
        window = driver.window
        controller = driver.controller
        original = (controller.language, controller.elder, tuple(window.size))
        try:
            for language, elder in self.modes:
                _set_mode(controller, language, elder)
                for size in self.shapes:
                    self.findings += [Located(screen, language, elder, size, f) for f in self.check(driver, size)]
                    self.checked.append((screen, language, elder, size))
                    self._shoot(driver, screen, language, elder, size)
        finally:
            _set_mode(controller, original[0], original[1])
            window.size = original[2]
            driver.idle_until(driver.settled, 10)
            driver.frames(3)
            self.seconds += time.perf_counter() - started

    def check(self, driver, size: tuple[int, int]) -> list[Finding]:
        window = driver.window
        window.size = size
        driver.frames(2)
        driver.idle_until(driver.settled, 10)
        driver.frames(3)  # labels render their textures in the frame after they are laid out
        app = driver.app
        attract = app.attract.parent is not None
        background = app.attract.bg_color if attract else None
        return audit(app.root, tuple(window.size), driver.controller.elder, background)

    def _shoot(self, driver, screen: str, language: str, elder: bool, size: tuple[int, int]) -> None:
        wanted = SHOT_SCREENS.get(screen, ())
        mode = "elder" if elder else "en" if language == "en" else "zh"
        if self.shots is None or mode not in wanted:
            return
        from PIL import Image

        self.shots.mkdir(parents=True, exist_ok=True)
        driver.window.canvas.ask_update()
        driver.frames(2)
        target = self.shots / f"{size[0]}x{size[1]}-{screen}{'' if mode == 'zh' else '-' + mode}.png"
        saved = driver.window.screenshot(name=str(target))
        if saved:
            # 64 colours are plenty for flat panels and text, and a quarter of the bytes
            Image.open(saved).convert("RGB").quantize(64).save(target, optimize=True)
            if Path(saved) != target:
                Path(saved).unlink()

    def report(self) -> dict:
        return {"checked": len(self.checked), "screens": sorted(self._seen), "seconds": round(self.seconds, 1),
                "findings": [str(f) for f in self.findings]}


def _set_mode(controller, language: str, elder: bool) -> None:
    for _ in range(4):  # the language button cycles through every language (zh_CN, en, zh_TW)
        if controller.language == language:
            break
        controller.toggle_language()
    if controller.language != language:
        raise RuntimeError(f"the language button never reaches {language}")
    if controller.elder != elder:
        controller.toggle_elder()
