"""Is a configuration fit for a kiosk in a hall, or does it lean on the demo's fallbacks?

A kiosk whose configuration went missing must not quietly come up with emulated devices,
the built-in reference platform and the published demo secret: it would greet citizens
and lose their applications. So ``kiosk run`` and ``kiosk selfcheck`` refuse every demo
fallback unless demo mode was asked for (``kiosk run --demo``, which scripts/kiosk.sh
passes on a development machine with no configuration).
"""

from __future__ import annotations

from drivers import registry
from kiosk.config import DEFAULT_PATH, Config, ConfigError

DEMO_HINT = "write it with `kiosk provision` (docs/technician.md), or run `kiosk run --demo` on a development machine"


def demo_fallbacks(cfg: Config) -> list[str]:
    """Every part of ``cfg`` that would run on a demo stand-in; empty for a kiosk ready for the field."""
    if cfg.demo:
        return [f"no configuration file ({DEFAULT_PATH} or $KIOSK_CONFIG); {DEMO_HINT}"]
    problems = []
    if not cfg.platform.url:
        problems.append("platform.url: empty, which means the built-in reference platform (demo only)")
    if not cfg.kiosk.secret_file:
        problems.append("kiosk.secret_file: empty, which means the published demo secret (demo only)")
    for name in registry.names():
        if cfg.devices.section(name).backend == "emulator":
            problems.append(f"devices.{name}.backend: \"emulator\" is for demos; use the real backend or \"none\"")
    return problems


def require_field_config(cfg: Config) -> None:
    """Raise ``ConfigError`` naming every demo fallback in ``cfg``."""
    problems = demo_fallbacks(cfg)
    if problems:
        raise ConfigError(cfg.source if not cfg.demo else str(DEFAULT_PATH), problems)
