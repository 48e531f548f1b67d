"""``kiosk config check FILE``: validate a configuration without starting anything."""

from __future__ import annotations

import argparse
import sys

from kiosk import config

COMMAND = ("config", "check")
HELP = "validate a kiosk.toml and report every problem with its key"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the configuration file to check")


def run(args: argparse.Namespace) -> int:
    try:
        config.load(args.file)
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{args.file}: ok")
    return 0
