"""Waiting in tests for what another thread or process does: poll, never sleep a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(predicate: Callable[[], object], timeout: float = 15.0, interval: float = 0.02) -> bool:
    """True as soon as ``predicate()`` is; False once ``timeout`` seconds have passed without it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
