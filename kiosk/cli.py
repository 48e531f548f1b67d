"""The ``kiosk`` command line: builds the argument tree from command packages.

``kiosk.commands`` holds the kiosk's own commands. Other packages add theirs through
the ``kiosk.commands`` entry-point group (the reference platform's ``kiosk platform``,
the development tools' ``kiosk demo`` and ``kiosk chaos``), so the kiosk never imports
them. Heavy imports (Kivy, OpenCV, FastAPI) belong inside each module's ``run`` so
``kiosk config check`` stays fast and works on a machine without a display.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from importlib.metadata import entry_points
from types import ModuleType

import kiosk.commands

GROUP_HELP = {
    "config": "check configuration files",
    "platform": "the reference government-service platform",
    "emulate": "run one device emulator standalone",
    "bench": "benchmarks printed as JSON",
}


log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "kiosk.commands"


def _command_packages() -> list[ModuleType]:
    packages = [kiosk.commands]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            packages.append(ep.load())
        except ImportError as exc:  # a plugin package that is not installed: its commands are absent
            log.debug("command package %s not loaded: %s", ep.value, exc)
    return packages


def _command_modules() -> list[ModuleType]:
    mods = []
    for package in _command_packages():
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{package.__name__}.{info.name}")
            if hasattr(mod, "COMMAND") and hasattr(mod, "run"):
                mods.append(mod)
    return sorted(mods, key=lambda m: m.COMMAND)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Government-service self-service kiosk")
    parser.add_argument(
        "--config",
        default=None,
        help="configuration file (default: $KIOSK_CONFIG or /etc/kiosk/kiosk.toml)",
    )
    top = parser.add_subparsers(dest="command", metavar="COMMAND")
    top.required = True
    groups: dict[str, argparse._SubParsersAction] = {}
    for mod in _command_modules():
        path = tuple(mod.COMMAND)
        where = top
        for depth, name in enumerate(path[:-1]):
            key = "/".join(path[: depth + 1])
            if key not in groups:
                gp = where.add_parser(name, help=GROUP_HELP.get(name, ""))
                groups[key] = gp.add_subparsers(dest=f"sub{depth}", metavar="SUBCOMMAND")
                groups[key].required = True
            where = groups[key]
        sp = where.add_parser(path[-1], help=getattr(mod, "HELP", ""), description=getattr(mod, "HELP", ""))
        mod.add_arguments(sp)
        sp.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
