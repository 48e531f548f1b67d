"""The text field of the kiosk's forms: Kivy's ``TextInput`` that lets go of itself after its visit."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.uix.textinput import TextInput

_ADJUST_VIEWPORT = TextInput._adjust_viewport.__wrapped__
"""Kivy's own scrolling of the field's text to its cursor, without the class-wide trigger around it."""


class FieldInput(TextInput):
    """``TextInput`` with one viewport trigger per field instead of one per class.

    Kivy 2.3 decorates ``TextInput._adjust_viewport`` with ``kivy.clock.triggered``, which keeps
    a single trigger, and the arguments of its last call (the field itself), for every text
    input of the process (kivy/kivy#7677). The last field a citizen typed in so stayed alive
    after its visit until the next visit's field moved its cursor: after the between-visit
    freeze (kiosk/ops/heap.py), so it and its textures waited for a whole-heap collection,
    one field for every visit with a typed form.
    """

    def __init__(self, **kwargs) -> None:
        self._viewport_at = (0, 0)
        self._viewport_trigger = Clock.create_trigger(self._adjust_viewport_now, -1)
        super().__init__(**kwargs)

    def _adjust_viewport(self, cc: int, cr: int) -> None:
        self._viewport_at = (cc, cr)
        self._viewport_trigger()

    def _adjust_viewport_now(self, _dt: float) -> None:
        _ADJUST_VIEWPORT(self, *self._viewport_at)
