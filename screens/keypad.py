"""The on-screen keypad for numbers, ID numbers and dates (a kiosk has no physical keyboard)."""

from __future__ import annotations

from collections.abc import Callable

from kivy.metrics import dp
from kivy.uix.gridlayout import GridLayout

from screens.widgets import BigButton, Recycler, grow_down

KEYPADS = {
    "digits": "123456789←0✓",
    "phone": "123456789←0✓",
    "id": "123456789X0←",
    "date": "123456789-0←",
}


class Keypad(GridLayout):
    """On-screen keypad for numbers, ID numbers and dates (no physical keyboard on a kiosk)."""

    def __init__(self, keyboard: str, on_key: Callable[[str], None], scale: float = 1.0,
                 pool: Recycler | None = None) -> None:
        super().__init__(cols=3, spacing=dp(8), size_hint_y=None)
        make = pool.button if pool is not None else BigButton
        grow_down(self)
        for key in KEYPADS.get(keyboard, KEYPADS["digits"]):
            if key == "✓":
                continue
            self.add_widget(make(key, lambda k=key: on_key(k), "secondary", scale=scale))
