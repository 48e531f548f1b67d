"""Layout audit: what a citizen would see wrong on a drawn screen, found from its widgets.

Checks every visible text and touch target of a widget tree as laid out in the window:

* ``cut``: a text whose rendered texture is larger than its widget (cut off or spilling out);
* ``outside``: a widget leaving the window (inside a scroll view: leaving its sides; what
  is scrolled out above or below can be scrolled back);
* ``overlap``: two texts or buttons drawn over each other (the visible parts of them);
* ``contrast``: text against what is behind it below 4.5:1 (3:1 for large text, 24 px and
  up), WCAG 2.x relative luminance; every ``[color=]`` of markup text counts too;
* ``target``: an enabled button smaller than 60 px (90 px in elder mode) either way.

Disabled buttons are exempt from contrast and size (WCAG exempts inactive controls), as
is text hidden by opacity 0. No Kivy import at module level: the checks read widget
attributes only, so a test can hand them any tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from screens.theme import THEME

MIN_TARGET_PX = 60
ELDER_TARGET_PX = 90
LARGE_TEXT_PX = 24
TOLERANCE_PX = 1.5
_COLOUR_TAG = re.compile(r"\[color=#?([0-9a-fA-F]{6})\]")


@dataclass(frozen=True)
class Finding:
    kind: str
    """cut, outside, overlap, contrast or target"""
    widget: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.widget}: {self.detail}"


Rect = tuple[float, float, float, float]  # x, y, right, top in window coordinates


def luminance(rgb) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg) -> float:
    """WCAG contrast ratio of two colours (1 to 21); a translucent foreground is blended onto ``bg``."""
    alpha = float(fg[3]) if len(fg) > 3 else 1.0
    mixed = [float(f) * alpha + float(b) * (1 - alpha) for f, b in zip(fg[:3], bg[:3], strict=True)]
    a, b = luminance(mixed), luminance(bg)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _hex_rgb(h: str) -> tuple[float, float, float]:
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def _name(w) -> str:
    text = (getattr(w, "label", "") or getattr(w, "text", "") or "").replace("\n", " ")
    return f"{type(w).__name__}({text[:40]!r})"


def _rect(w) -> Rect:
    x, y = w.to_window(w.x, w.y)
    return x, y, x + w.width, y + w.height


def _intersect(a: Rect, b: Rect) -> Rect | None:
    x, y, r, t = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (x, y, r, t) if r - x > TOLERANCE_PX and t - y > TOLERANCE_PX else None


def _visible(w) -> bool:
    node = w
    while node is not None and node.parent is not node:
        if getattr(node, "opacity", 1) == 0:
            return False
        node = node.parent
    return w.width > 0 and w.height > 0


def _scroll_of(w):
    """The nearest scroll view around ``w`` (its visible part is that view's box), or None."""
    from kivy.uix.scrollview import ScrollView

    node = w.parent
    while node is not None and node.parent is not node:
        if isinstance(node, ScrollView):
            return node
        node = node.parent
    return None


def _background(w, default) -> tuple:
    """What is drawn behind ``w``: its own ``background`` (buttons, panels), else its nearest ancestor's."""
    from kivy.uix.button import Button

    node = w
    while node is not None and node.parent is not node:
        bg = getattr(node, "background", None)
        if isinstance(bg, (tuple, list)) and len(bg) >= 3:
            return tuple(bg)
        if isinstance(node, Button) and not hasattr(node, "style"):
            return tuple(node.background_color)  # a plain Kivy button (the attract screen's)
        node = node.parent
    return tuple(default)


def audit(root, window_size: tuple[float, float], elder: bool = False, background=None) -> list[Finding]:
    """Every finding on the tree under ``root`` as drawn in a window of ``window_size``."""
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    width, height = window_size
    window: Rect = (0, 0, width, height)
    ground = background or THEME["background"]
    target = ELDER_TARGET_PX if elder else MIN_TARGET_PX
    findings: list[Finding] = []
    drawn: list[tuple[object, Rect]] = []
    for w in root.walk(restrict=True):
        if not isinstance(w, Label) or not w.text or not _visible(w):
            continue
        rect = _rect(w)
        scroll = _scroll_of(w)
        if scroll is not None:
            box = _rect(scroll)
            if rect[0] < box[0] - TOLERANCE_PX or rect[2] > box[2] + TOLERANCE_PX:
                findings.append(Finding("outside", _name(w), f"leaves its scroll view's sides {box}: {rect}"))
            shown = _intersect(rect, box)
        else:
            if (rect[0] < -TOLERANCE_PX or rect[1] < -TOLERANCE_PX or rect[2] > width + TOLERANCE_PX
                    or rect[3] > height + TOLERANCE_PX):
                findings.append(Finding("outside", _name(w), f"leaves the {width:.0f}x{height:.0f} window: {rect}"))
            shown = _intersect(rect, window)
        tw, th = w.texture_size
        if tw > w.width + TOLERANCE_PX or th > w.height + TOLERANCE_PX:
            findings.append(Finding("cut", _name(w), f"text {tw:.0f}x{th:.0f} in a {w.width:.0f}x{w.height:.0f} box"))
        enabled = not w.disabled
        if enabled:
            bg = _background(w, ground)
            need = 3.0 if w.font_size >= LARGE_TEXT_PX else 4.5
            colours = [tuple(w.color)] + ([(*_hex_rgb(h), 1.0) for h in _COLOUR_TAG.findall(w.text)]
                                          if w.markup else [])
            for fg in colours:
                ratio = contrast(fg, bg)
                if ratio < need:
                    findings.append(Finding("contrast", _name(w), f"{ratio:.2f}:1 < {need}:1"))
        if isinstance(w, Button) and enabled and (w.width < target - 0.5 or w.height < target - 0.5):
            findings.append(Finding("target", _name(w), f"{w.width:.0f}x{w.height:.0f} px < {target} px"))
        if shown is not None:
            drawn.append((w, shown))
    for i, (a, ra) in enumerate(drawn):
        for b, rb in drawn[i + 1:]:
            if _intersect(ra, rb) is not None:
                findings.append(Finding("overlap", _name(a), f"drawn over {_name(b)}"))
    return findings
