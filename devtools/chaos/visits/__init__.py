"""The scripted citizen's kinds of visit, one module each; a visit is a function of the citizen's ``Script``.

A visit raises ``Stuck`` when a screen it waits for does not come; the citizen then
walks away (``Citizen.visit``).
"""

from __future__ import annotations

from collections.abc import Callable

from devtools.chaos.script import Script
from devtools.chaos.visits import apply, certificate, pay, reprint

VISITS: dict[str, Callable[[Script], None]] = {
    "apply": apply.visit,
    "pay": pay.visit,
    "print": certificate.visit,
    "reprint": reprint.visit,
}
"""Visit kind (as the worker's ``--only`` and the harness name it) -> the visit."""
