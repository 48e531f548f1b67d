"""Theme values (colours, type sizes) read from assets/theme/theme.json.

Kept as data so a site can restyle the kiosk without code; the colours are dim on a
dark ground because the panel runs 24 hours a day (burn-in) and in bright halls the
contrast, not the brightness, carries readability.
"""

from __future__ import annotations

import json
from pathlib import Path

THEME_PATH = Path(__file__).resolve().parent.parent / "assets" / "theme" / "theme.json"
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
"""Face 0 of this TTC is WenQuanYi Micro Hei (Simplified Chinese forms); Kivy's SDL2 text
provider can only open face 0 of a collection."""


def load_theme(path: Path = THEME_PATH) -> dict:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


THEME = load_theme()
