"""Running the reference platform: in the foreground (``kiosk platform serve``) or
in a background thread on a free loopback port (tests, the demo kiosk).

Demo mode (public demo credentials, unsigned ``/demo/*`` routes) is refused on any
address but loopback: a demo platform must not be reachable from another machine.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from kiosk.platform.contract.hosts import is_loopback
from reference_platform.app import create_app
from reference_platform.console import ConsoleSettings
from reference_platform.routes._deps import SUBMISSION_GRACE_S

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask": {"()": "kiosk.privacy.MaskingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "reference_platform": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
"""Every log line goes through kiosk.privacy.MaskingFilter (ID numbers, phones, payment codes)."""


GIL_SWITCH_S = 0.0005
"""How long a thread waiting for the interpreter lets the event loop keep it (Python's default: 5 ms).

Every write's answer waits for the WAL fsync, run on a worker thread (``GroupCommit``), and that
thread needs the interpreter twice (to start the fsync, to wake the loop): while the loop is
busy serving other requests it got it only after the full default interval, adding up to 10 ms
to every acknowledged write. A thread that waits for nothing costs the loop no switch."""


def check_demo_host(host: str, demo: bool) -> None:
    if demo and not is_loopback(host):
        raise ValueError(f"demo mode serves public demo credentials and only listens on loopback, not {host!r}")


@dataclass
class ServerHandle:
    url: str
    """Base URL without a trailing slash, e.g. http://127.0.0.1:41234."""
    db_path: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.server.config.app.state.pdf_renderer.close()
        self.server.config.app.state.db.close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    demo: bool = True,
    always_open: bool = False,
    access_log: bool = False,
    start_timeout: float = 20.0,
    clock: Callable[[], float] = time.time,
    submission_grace_s: float = SUBMISSION_GRACE_S,
    public_url: str | None = None,
    console_settings: ConsoleSettings | None = None,
) -> ServerHandle:
    """Start the platform on ``host:port`` (0 = a free port) and return once it accepts connections.

    Demo mode by default: this is the tests' and the demo's platform, on loopback.
    """
    check_demo_host(host, demo)
    app = create_app(
        db_path, demo=demo, always_open=always_open, clock=clock, submission_grace_s=submission_grace_s,
        public_url=public_url, console_settings=console_settings,
    )
    config = uvicorn.Config(
        app, host=host, port=port, log_config=LOG_CONFIG, access_log=access_log, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="reference-platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the reference platform did not start on {host}:{port}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the reference platform did not start in time")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return ServerHandle(url=f"http://{host}:{bound}", db_path=str(db_path), server=server, thread=thread)


def run(
    db_path: str | Path,
    host: str,
    port: int,
    *,
    demo: bool = False,
    always_open: bool = False,
    submission_grace_s: float = SUBMISSION_GRACE_S,
    public_url: str | None = None,
    console_settings: ConsoleSettings | None = None,
) -> None:
    """Serve in the foreground until interrupted (raises ``ValueError`` for demo mode off loopback,
    ``app.DemoDataRefused`` for a production start on a demo database)."""
    check_demo_host(host, demo)
    app = create_app(db_path, demo=demo, always_open=always_open, submission_grace_s=submission_grace_s,
                     public_url=public_url, console_settings=console_settings)
    sys.setswitchinterval(GIL_SWITCH_S)  # the process is the platform's alone (not so in serve_in_thread)
    uvicorn.run(app, host=host, port=port, log_config=LOG_CONFIG)
