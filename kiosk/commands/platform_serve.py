"""``kiosk platform serve``: run the reference government-service platform."""

from __future__ import annotations

import argparse

COMMAND = ("platform", "serve")
HELP = "run the reference platform (FastAPI on SQLite); creates and seeds the database when new"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8780, help="port (default 8780; 0 = any free port)")
    parser.add_argument("--db", default="platform.db", help="SQLite database file (default ./platform.db)")
    parser.add_argument(
        "--always-open", action="store_true", help="offer hall-hours services (queue, check-in) around the clock"
    )


def run(args: argparse.Namespace) -> int:
    from kiosk.reference.server import run as serve

    serve(args.db, args.host, args.port, always_open=args.always_open)
    return 0
