"""The chaos run's reference platform: ``python -m devtools.chaos.platform --db FILE --url-file FILE``.

The real reference platform (``reference_platform.server``: FastAPI on uvicorn, SQLite),
demo data, every service open around the clock, on a free loopback port. Once it accepts
connections its base URL is written to ``--url-file`` (a new file, renamed into place), the
harness's signal that it is up; it then serves until it is killed. The harness restarts it
on the same database after every platform kill.

``--mutate no-idempotency`` breaks the platform on purpose, for the harness's own tests: a
request whose ``Idempotency-Key`` was already answered runs again instead of replaying the
stored answer, so a resend after a lost answer (the fault proxy's ``error_after`` and
``reset_after``) applies the write twice.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path


def _mutate_no_idempotency() -> None:
    from reference_platform.security import SigningMiddleware

    real = SigningMiddleware._answer

    async def _answer(self, scope, receive, conn: sqlite3.Connection, kiosk_id: str, key: str,  # type: ignore[no-untyped-def]
                      *args, **kwargs):
        conn.execute("DELETE FROM idempotency WHERE kiosk_id = ? AND key = ?", (kiosk_id, key))
        return await real(self, scope, receive, conn, kiosk_id, key, *args, **kwargs)

    SigningMiddleware._answer = _answer  # type: ignore[method-assign]


MUTATIONS = {"no-idempotency": _mutate_no_idempotency}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.chaos.platform", description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, type=Path, help="the platform's SQLite database (kept across kills)")
    parser.add_argument("--url-file", required=True, type=Path, help="where to write the base URL once listening")
    parser.add_argument("--mutate", action="append", default=[], choices=sorted(MUTATIONS),
                        help="break a guarantee on purpose (tests of the harness)")
    args = parser.parse_args(argv)
    for name in args.mutate:
        MUTATIONS[name]()

    from reference_platform.server import serve_in_thread

    handle = serve_in_thread(args.db, "127.0.0.1", 0, demo=True, always_open=True, start_timeout=60.0)
    tmp = args.url_file.with_name(args.url_file.name + f".{os.getpid()}")
    tmp.write_text(handle.url)
    os.replace(tmp, args.url_file)
    print(f"platform {os.getpid()} listening on {handle.url}", file=sys.stderr, flush=True)
    handle.thread.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
