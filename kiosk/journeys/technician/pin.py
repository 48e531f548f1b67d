"""The technician PIN prompt: digits shown as dots, checked in the pool, locked out after failures.

The PIN is checked by ``kiosk.ops.pin.PinGate`` (scrypt against ``[kiosk]
technician_pin_hash``) off the UI thread; its failure count and lock-out live in a file
in the state folder, so a restart does not reset them. The PIN itself is never shown,
logged or kept after the check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk.i18n import _
from kiosk.journeys.technician.page import PageHost
from kiosk.ops.pin import PIN_STATE_FILE, PinGate
from kiosk.views import Action, Form, FormField, Text, View

audit = logging.getLogger("kiosk.audit")

MASK = "●"
PIN_MIN, PIN_MAX = 6, 12


class PinPrompt:
    """Until ``accepted`` runs, this is all of technician mode: ``on_field`` and ``on_pin_ok``."""

    def __init__(self, host: PageHost, accepted: Callable[[], None]) -> None:
        self.host = host
        self._accepted = accepted
        self.pin = ""
        self.error = ""
        self._locked_until = 0.0

    def opened(self) -> None:
        if self._pin_hash():
            self._locked_until = time.monotonic() + self._gate().locked_for()

    def _pin_hash(self) -> str:
        return self.host.rt.cfg.kiosk.technician_pin_hash

    def _gate(self) -> PinGate:
        return PinGate(self._pin_hash(), self.host.rt.state_dir / PIN_STATE_FILE)

    def _locked_left(self) -> float:
        return max(0.0, self._locked_until - time.monotonic())

    def tick(self) -> bool:
        """True while the lock-out counts down, and once more when it is over."""
        if self._locked_left() > 0:
            return True
        if self._locked_until:
            self._locked_until = 0.0
            return True
        return False

    def view(self) -> View:
        title = _("维护模式")
        cancel = Action("end", _("取消"), "secondary")
        if not self._pin_hash():
            return View("technician.no_pin", title,
                        (Text(_("未配置维护密码，无法进入维护模式：请运行 kiosk provision 设置维护密码"), "error"),),
                        (cancel,))
        left = self._locked_left()
        if left > 0:
            minutes, seconds = divmod(int(left + 0.999), 60)
            text = _("维护密码错误次数过多，已锁定：请 {m} 分 {s} 秒后再试").format(m=minutes, s=seconds)
            return View("technician.locked", title, (Text(text, "error"),), (cancel,))
        field = FormField("pin", _("维护密码"), MASK * len(self.pin), self.error, keyboard="digits")
        return View("technician.pin", title, (Text(_("请输入维护密码"), "lead"), Form((field,), "pin")),
                    (Action("pin_ok", _("确定")), cancel))

    def on_field(self, name: str, value: str) -> None:
        """The keypad sends the shown value (dots) plus what was typed since; the PIN stays here."""
        if name != "pin":
            return
        kept = len(value) - len(value.lstrip(MASK))
        typed = "".join(c for c in value[kept:] if c.isdigit())
        self.pin = (self.pin[:kept] + typed)[:PIN_MAX]
        self.error = ""

    def on_pin_ok(self) -> None:
        pin, self.pin = self.pin, ""
        if not self._pin_hash() or self._locked_left() > 0:
            return
        if not (PIN_MIN <= len(pin) <= PIN_MAX):
            self.error = _("维护密码为 {a} 到 {b} 位数字").format(a=PIN_MIN, b=PIN_MAX)
            return
        gate = self._gate()

        def check() -> tuple[bool, float, int]:
            return gate.try_pin(pin), gate.locked_for(), gate.remaining_attempts

        self.host.run(check, self._checked, _("正在核对维护密码…"))

    def _checked(self, outcome: tuple[bool, float, int]) -> None:
        ok, locked_for, remaining = outcome
        if ok:
            self._accepted()
            return
        if locked_for > 0:
            self._locked_until = time.monotonic() + locked_for
            audit.warning("technician PIN refused; prompt locked for %d s after repeated failures", round(locked_for))
        else:
            self.error = _("维护密码错误，还可尝试 {n} 次").format(n=remaining)
            audit.warning("technician PIN refused (%d attempt(s) left before the lock-out)", remaining)
        self.host.ctx.changed()
