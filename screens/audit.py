"""Layout audit: what a citizen would see wrong on a drawn screen, found from its widgets.

Checks every visible text and touch target of a widget tree as laid out in the window:

* ``cut``: a text whose rendered texture is larger than its widget (cut off or spilling out);
* ``outside``: a widget leaving the window (inside a scroll view: leaving its sides; what
  is scrolled out above or below can be scrolled back);
* ``overlap``: two texts or buttons drawn over each other (the visible parts of them);
* ``contrast``: text against what is behind it below 4.5:1 (3:1 for large text, 24 px and
  up), WCAG 2.x relative luminance; every ``[color=]`` of markup text counts too;
* ``target``: an enabled button smaller than 60 px (90 px in elder mode) either way;
* ``wrap``: a text broken so that its last line is one Chinese character (凭回执码补 / 打)
  or an English word is split across lines;
* ``band``: an empty band under a step's content (the widget marked ``audit_role =
  "content"``) taller than a tenth of the window (at least ``BAND_MIN_PX``): on a
  portrait totem the content then floats above a void with the actions far below it.

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
BAND_FRACTION = 0.1
BAND_MIN_PX = 120
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_COLOUR_TAG = re.compile(r"\[color=#?([0-9a-fA-F]{6})\]")


@dataclass(frozen=True)
class Finding:
    kind: str
    """cut, outside, overlap, contrast, target, wrap or band"""
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


def _lines(w) -> list[str]:
    """The lines ``w``'s text was broken into when it was last rendered (Kivy's layout of it)."""
    core = getattr(w, "_label", None)
    return ["".join(word.text for word in line.words) for line in getattr(core, "_cached_lines", ()) or ()]


def bad_wrap(w) -> str:
    """Why the wrapping of ``w``'s text reads badly ("" if it does not).

    A button whose last line is one Chinese character (a word torn: 凭回执码补 / 打), or
    any plain text with an English word split across lines (Kivy splits a word only when
    it is wider than the label). A paragraph's last line of one character is left alone:
    that is a sentence's end, not a torn word.
    """
    from kivy.uix.button import Button

    lines = [line for line in _lines(w) if line.strip()]
    if len(lines) < 2:
        return ""
    last = lines[-1].strip()
    if isinstance(w, Button) and len(last) == 1 and _IDEOGRAPH.match(last):
        return f"its last line is the one character {last!r}"
    if w.markup:
        return ""
    text, pos = w.text, 0
    for line in lines[:-1]:
        core = line.strip()
        start = text.find(core, pos)
        if start < 0:
            break
        end = start + len(core)
        if 0 < end < len(text) and all(c.isascii() and c.isalpha() for c in (text[end - 1], text[end])):
            return f"a word is split: {text[max(0, end - 12):end]!r} / {text[end:end + 12]!r}"
        pos = end
    return ""


def empty_band(root, window_height: float) -> Finding | None:
    """The empty band under the content region of ``root`` (if one is marked and the band is too tall)."""
    from kivy.uix.image import Image
    from kivy.uix.label import Label

    region = next((w for w in root.walk(restrict=True) if getattr(w, "audit_role", "") == "content"), None)
    if region is None or not _visible(region) or region.height < 2:
        return None
    box = _rect(region)
    lowest = box[3]
    for w in region.walk(restrict=True):
        drawn = (isinstance(w, (Label, Image)) and (not isinstance(w, Label) or w.text)) or hasattr(w, "background")
        if w is region or not drawn or not _visible(w):
            continue
        shown = _intersect(_rect(w), box)
        if shown is not None:
            lowest = min(lowest, shown[1])
    band = lowest - box[1]
    limit = max(BAND_FRACTION * window_height, BAND_MIN_PX)
    if band > limit:
        return Finding("band", _name(region), f"{band:.0f} px empty under the content (> {limit:.0f} px)")
    return None


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
        why = bad_wrap(w)
        if why:
            findings.append(Finding("wrap", _name(w), why))
        if shown is not None:
            drawn.append((w, shown))
    band = empty_band(root, height)
    if band is not None:
        findings.append(band)
    for i, (a, ra) in enumerate(drawn):
        for b, rb in drawn[i + 1:]:
            if _intersect(ra, rb) is not None:
                findings.append(Finding("overlap", _name(a), f"drawn over {_name(b)}"))
    return findings
