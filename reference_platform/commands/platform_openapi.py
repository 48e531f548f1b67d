"""``kiosk platform openapi``: write the contract's OpenAPI document."""

from __future__ import annotations

import argparse
from pathlib import Path

from reference_platform.commands import platform_extra_missing

COMMAND = ("platform", "openapi")
HELP = "write the platform API as OpenAPI 3.1 JSON (default docs/openapi.json)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="docs/openapi.json", help="output file ('-' for stdout)")


def render() -> str:
    """The document as committed: stable key order, UTF-8, trailing newline."""
    import json

    from reference_platform.app import create_app

    app = create_app(":memory:")
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def run(args: argparse.Namespace) -> int:
    if platform_extra_missing("platform openapi"):
        return 2
    text = render()
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0
