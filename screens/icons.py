"""Icons: Google's Material Icons font (Apache-2.0, assets/icons/), drawn as text.

A glyph in a font scales with the type, takes the label's colour and costs no image
decoding; Kivy's markup puts it in a button next to the words. ``ICONS`` maps the names
this kiosk uses (the catalogue's category icons and the bar's buttons) to the font's
code points, copied from the font's own code point list (Debian's
fonts-material-design-icons-iconfont 6.7.0, the same font file).
"""

from __future__ import annotations

from pathlib import Path

ICON_FONT = Path(__file__).resolve().parent.parent / "assets" / "icons" / "MaterialIcons-Regular.ttf"
ICON_FONT_NAME = "KioskIcons"

ICONS = {
    # catalogue categories (Category.icon) ...
    "social": "\ue1d5",  # health_and_safety
    "housing_fund": "\uea09",  # home_work
    "property": "\uea40",  # apartment
    "credit": "\ueff1",  # credit_score
    "traffic": "\ue531",  # directions_car
    "exit_entry": "\ue905",  # flight_takeoff
    "household": "\uea67",  # badge
    "hall": "\ue614",  # event_available
    "payments": "\uef63",  # payments
    "certificates": "\ue8ad",  # print
    # ... and the bar and home actions
    "home": "\ue88a",
    "lang": "\ue894",  # language
    "elder": "\uf21a",  # elderly
    "help": "\uf0e2",  # support_agent
    "end": "\ue9ba",  # logout
    "finish": "\ue9ba",  # logout
    "search": "\ue8b6",
    "my_cases": "\ue2c9",  # folder_shared
    "reprint": "\uef6e",  # receipt_long
    "back": "\ue5c4",  # arrow_back
    "check": "\ue5ca",
    "other": "\ue5c3",  # apps
}

_registered = [False]


def register_icon_font() -> None:
    """Make the icon font known to Kivy's markup as ``[font=KioskIcons]`` (once)."""
    if _registered[0]:
        return
    from kivy.core.text import LabelBase

    LabelBase.register(ICON_FONT_NAME, fn_regular=str(ICON_FONT))
    _registered[0] = True


def glyph(name: str) -> str:
    """The icon's character, or "" for a name without one (the button then shows only words)."""
    return ICONS.get(name, "")


def icon_markup(name: str, size: float, colour: str = "") -> str:
    """Kivy markup drawing icon ``name`` at ``size`` px (in ``colour``, hex, if given); "" if unknown."""
    char = glyph(name)
    if not char:
        return ""
    register_icon_font()
    text = f"[font={ICON_FONT_NAME}][size={int(size)}]{char}[/size][/font]"
    return f"[color={colour}]{text}[/color]" if colour else text
