"""Is this boot good enough to keep? The kiosk app must be up and stay up, then pass the self-check.

An A/B update is only final once systemd-bless-boot marks the new boot entry good, which
happens when boot-complete.target is reached; kiosk-boot-ok.service stands before that
target and runs ``kiosk selfcheck --boot-ok SECONDS``. "Up" means the app unit is active:
both app units are Type=notify, so active means the app sent READY=1 (the attract screen
was shown). "Stays up" means the same activation is still running ``SECONDS`` later (no
restart in between, which a crash loop or a watchdog kill would show). A boot that is not
good is not blessed; the unit then reboots into the next try, and after the last try
systemd-boot starts the previous version (docs/updates.md).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

APP_UNITS = ("kiosk.service", "cage@tty1.service")
POLL_S = 2.0
READY_TIMEOUT_S = 300.0
"""How long the app may take to show the attract screen after this check starts."""


@dataclass(frozen=True)
class UnitState:
    active: str
    """ActiveState: "active" once a Type=notify unit sent READY=1."""
    activated_at: int
    """ActiveEnterTimestampMonotonic (µs): changes with every (re)start."""
    restarts: int


def unit_state(unit: str) -> UnitState | None:
    """The unit as systemd sees it now (read over D-Bus by ``systemctl show``); None if it cannot be asked."""
    try:
        out = subprocess.run(["systemctl", "show", unit, "--property=ActiveState",
                              "--property=ActiveEnterTimestampMonotonic", "--property=NRestarts"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    props = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    try:
        return UnitState(props.get("ActiveState", ""), int(props.get("ActiveEnterTimestampMonotonic") or 0),
                         int(props.get("NRestarts") or 0))
    except ValueError:
        return None


def wait_healthy(healthy_for_s: float, *, units: tuple[str, ...] = APP_UNITS,
                 read: Callable[[str], UnitState | None] = unit_state, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, ready_timeout_s: float = READY_TIMEOUT_S,
                 poll_s: float = POLL_S) -> tuple[bool, str]:
    """(good, what was seen): an app unit became active and stayed in that activation for ``healthy_for_s``."""
    deadline = clock() + ready_timeout_s
    while True:
        found = [(u, s) for u in units if (s := read(u)) is not None and s.active == "active"]
        if found:
            break
        if clock() >= deadline:
            return False, f"no app unit ({', '.join(units)}) became ready within {ready_timeout_s:.0f} s"
        sleep(poll_s)
    unit, first = found[0]
    until = clock() + healthy_for_s
    while clock() < until:
        sleep(min(poll_s, max(0.0, until - clock())))
        now = read(unit)
        if now is None or now.active != "active":
            return False, f"{unit} left the active state ({now.active if now else 'unknown'}) while being watched"
        if now.activated_at != first.activated_at or now.restarts != first.restarts:
            return False, f"{unit} restarted while being watched ({now.restarts} restarts)"
    return True, f"{unit} ready and running for {healthy_for_s:.0f} s without a restart"
