"""Line breaks for long runs of Chinese, from each character's width.

Kivy wraps a label to its width by measuring; for a run of Chinese without spaces it
searches for each break by measuring ever shorter copies of the rest of the paragraph.
"""

from __future__ import annotations

PREWRAP_MIN_CHARS = 24
"""Texts at least this long without a space are broken into lines by ``break_lines``."""
ADVANCES_KEPT = 20000
_advances: dict[tuple[str, str], float] = {}
"""Width of each character by font (``break_lines``), like the font's own glyph cache: single
characters, no text and no order, so nothing of what a citizen saw can be read back from it."""


def break_lines(core, text: str, width: float) -> str | None:
    """``text`` with a line break wherever Kivy's wrapping to ``width`` would put one, or None.

    For a run of Chinese without spaces Kivy searches for each break by measuring ever
    shorter copies of the rest of the paragraph (~50 measurements of the whole run,
    13-18 ms for a two-line notice on a CPU renderer). The same greedy breaks come from
    each character's width, measured once, and one measurement per line to confirm it.
    Only texts with no space at all: where Latin words are, Kivy's own wrapping keeps them whole.
    """
    if " " in text or len(text) < PREWRAP_MIN_CHARS:
        return None
    font = core._get_font_id()
    lines: list[str] = []
    for para in text.split("\n"):
        start, used = 0, 0.0
        for i, ch in enumerate(para):
            w = _advances.get((font, ch))
            if w is None:
                if len(_advances) >= ADVANCES_KEPT:
                    _advances.clear()
                w = _advances[(font, ch)] = core.get_extents(ch)[0]
            if used + w > width and i > start:
                lines.append(para[start:i])
                start, used = i, 0.0
            used += w
        lines.append(para[start:])
    fixed: list[str] = []
    carry = ""
    for line in lines:  # confirm each line as a whole (kerning, rounding): what does not fit moves down
        line = carry + line
        carry = ""
        while len(line) > 1 and core.get_extents(line)[0] > width:
            carry = line[-1] + carry
            line = line[:-1]
        fixed.append(line)
    if carry:
        fixed.append(carry)
    return "\n".join(fixed) if len(fixed) > text.count("\n") + 1 else None
