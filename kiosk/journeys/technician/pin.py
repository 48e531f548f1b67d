"""The technician sign-in prompt: technician id and PIN (digits shown as dots), checked in the pool.

The platform issues each technician an id and a PIN; the kiosk checks them against the list
it cached from the platform (``kiosk.ops.pin.Roster``: salted scrypt hashes only), so a
technician can sign in while the platform is away. A kiosk for which the platform lists no
technician (it never reached the platform, or none was issued) asks only for the PIN set
at provisioning (``[kiosk] technician_pin_hash``), the bootstrap way in.
The failure count and lock-out are per kiosk, in a file in the state folder, so a restart
does not reset them and trying other ids does not either. The PIN itself is never shown,
logged or kept after the check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kiosk.i18n import _
from kiosk.journeys.technician.page import PageHost
from kiosk.ops.pin import LOCAL_ID, PIN_STATE_FILE, PinGate, Roster, sign_in
from kiosk.platform.contract.technicians import PIN_MAX, PIN_MIN
from kiosk.views import Action, Form, FormField, Text, View

audit = logging.getLogger("kiosk.audit")

MASK = "●"
ID_MAX = 32


class PinPrompt:
    """Until ``accepted`` runs (with who signed in), this is all of technician mode: ``on_field`` and ``on_pin_ok``."""

    def __init__(self, host: PageHost, accepted: Callable[[str], None]) -> None:
        self.host = host
        self._accepted = accepted
        self.technician = ""
        self.pin = ""
        self.error = ""
        self._locked_until = 0.0
        self._personal = False
        """The platform lists technicians for this kiosk: ask for an id as well as a PIN."""

    def opened(self) -> None:
        self._personal = self._roster().personal()
        if self._can_sign_in():
            self._locked_until = time.monotonic() + self._gate().locked_for()

    def _pin_hash(self) -> str:
        return self.host.rt.cfg.kiosk.technician_pin_hash

    def _roster(self) -> Roster:
        return Roster(self.host.rt.state_dir)

    def _can_sign_in(self) -> bool:
        return self._personal or bool(self._pin_hash())

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
        if not self._can_sign_in():
            return View("technician.no_pin", title,
                        (Text(_("未配置维护密码，无法进入维护模式：请运行 kiosk provision 设置维护密码"), "error"),),
                        (cancel,))
        left = self._locked_left()
        if left > 0:
            minutes, seconds = divmod(int(left + 0.999), 60)
            text = _("维护密码错误次数过多，已锁定：请 {m} 分 {s} 秒后再试").format(m=minutes, s=seconds)
            return View("technician.locked", title, (Text(text, "error"),), (cancel,))
        pin = FormField("pin", _("维护密码"), MASK * len(self.pin), self.error, keyboard="digits")
        if not self._personal:
            return View("technician.pin", title, (Text(_("请输入维护密码"), "lead"), Form((pin,), "pin")),
                        (Action("pin_ok", _("确定")), cancel))
        who = FormField("technician", _("维护人员编号"), self.technician, keyboard="code")
        focus = "pin" if self.technician else "technician"
        return View("technician.pin", title, (Text(_("请输入维护人员编号和维护密码"), "lead"), Form((who, pin), focus)),
                    (Action("pin_ok", _("确定")), cancel))

    def on_field(self, name: str, value: str) -> None:
        """The keypad sends the shown value (dots) plus what was typed since; the PIN stays here."""
        if name == "technician":
            self.technician = "".join(c for c in value if c.isalnum() or c in "-_")[:ID_MAX].upper()
            self.error = ""
            return
        if name != "pin":
            return
        kept = len(value) - len(value.lstrip(MASK))
        typed = "".join(c for c in value[kept:] if c.isdigit())
        self.pin = (self.pin[:kept] + typed)[:PIN_MAX]
        self.error = ""

    def on_pin_ok(self) -> None:
        pin, self.pin = self.pin, ""
        if not self._can_sign_in() or self._locked_left() > 0:
            return
        if self._personal and not self.technician:
            self.error = _("请输入维护人员编号")
            return
        if not (PIN_MIN <= len(pin) <= PIN_MAX):
            self.error = _("维护密码为 {a} 到 {b} 位数字").format(a=PIN_MIN, b=PIN_MAX)
            return
        gate, roster, claimed, local = self._gate(), self._roster(), self.technician, self._pin_hash()

        def check() -> tuple[str | None, float, int]:
            return sign_in(gate, roster, claimed, pin, local), gate.locked_for(), gate.remaining_attempts

        self.host.run(check, self._checked, _("正在核对维护密码…"))

    def _checked(self, outcome: tuple[str | None, float, int]) -> None:
        who, locked_for, remaining = outcome
        claimed = self.technician or LOCAL_ID
        if who is not None:
            self._accepted(who)
            return
        if locked_for > 0:
            self._locked_until = time.monotonic() + locked_for
            audit.warning("technician PIN refused for %s; prompt locked for %d s after repeated failures", claimed,
                          round(locked_for), extra={"technician_id": claimed})
        else:
            self.error = _("维护人员编号或维护密码错误，还可尝试 {n} 次").format(n=remaining) if self._personal \
                else _("维护密码错误，还可尝试 {n} 次").format(n=remaining)
            audit.warning("technician PIN refused for %s (%d attempt(s) left before the lock-out)", claimed, remaining,
                          extra={"technician_id": claimed})
        self.host.ctx.changed()
