"""``kiosk platform ...`` commands, registered with the ``kiosk`` CLI by entry point.

They import FastAPI only inside ``run``, so listing the commands works on a kiosk
installed without the ``platform`` extra; running one there says what to install.
"""

from __future__ import annotations

import importlib.util
import sys

EXTRA_MODULES = ("fastapi", "uvicorn", "jinja2", "argon2")


def platform_extra_missing(command: str) -> bool:
    """True, after telling the user how to install it, when the ``platform`` extra is absent."""
    missing = [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]
    if not missing:
        return False
    print(f"kiosk {command}: needs the `platform` extra, which this install does not have "
          f"({', '.join(missing)} missing). Install it with:  pip install 'gov-kiosk[platform]'",
          file=sys.stderr)
    return True
